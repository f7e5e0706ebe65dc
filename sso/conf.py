"""Where the OpenID provider is: from the settings, or from its discovery document.

Explicit endpoints (``OIDC_OP_*_ENDPOINT``) win; the ones left empty are read from
``<OIDC_OP_ISSUER>/.well-known/openid-configuration``, fetched on the first login and kept in the
cache for an hour, so a provider rotating its endpoints is followed without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache

DISCOVERY_CACHE_SECONDS = 3600


class ProviderError(Exception):
    """The provider's configuration cannot be had (unreachable, not a discovery document, …)."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


def enabled() -> bool:
    """SSO is offered only once a client id is configured."""
    return bool(settings.OIDC_RP_CLIENT_ID)


def provider() -> Provider:
    explicit = {
        "authorization_endpoint": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "token_endpoint": settings.OIDC_OP_TOKEN_ENDPOINT,
        "userinfo_endpoint": settings.OIDC_OP_USER_ENDPOINT,
        "jwks_uri": settings.OIDC_OP_JWKS_ENDPOINT,
    }
    issuer = settings.OIDC_OP_ISSUER.rstrip("/")
    required = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if all(explicit[key] for key in required):
        return Provider(issuer=issuer, **explicit)
    if not issuer:
        raise ProviderError("OIDC_OP_ISSUER or the OIDC_OP_*_ENDPOINT settings must be set")
    document = _discovery(issuer)
    found = {key: explicit[key] or str(document.get(key) or "") for key in explicit}
    missing = [key for key in required if not found[key]]
    if missing:
        raise ProviderError(f"discovery document of {issuer} lacks {', '.join(missing)}")
    return Provider(issuer=issuer, **found)


def _discovery(issuer: str) -> dict[str, object]:
    key = f"sso:discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            response = requests.get(
                url, verify=settings.OIDC_VERIFY_SSL, timeout=settings.OIDC_TIMEOUT
            )
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderError(f"discovery of {issuer} failed: {exc}") from exc
        if not isinstance(document, dict):
            raise ProviderError(f"discovery of {issuer} is not a JSON object")
        # OpenID Connect Discovery 1.0 §4.3: a document announcing another issuer is refused.
        if str(document.get("issuer", "")).rstrip("/") != issuer:
            raise ProviderError(f"discovery of {issuer} announces issuer {document.get('issuer')}")
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document
