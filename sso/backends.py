"""Authentication backends: the OpenID Connect login of staff, and the password login that can
be switched off for them.

Django builds every listed backend for each ``authenticate()`` and each session lookup, so the
constructors read nothing from the network and refuse no configuration: a misconfigured or
unreachable provider must never break password logins or running sessions.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import conf, selectors, services

logger = logging.getLogger(__name__)

OIDC_BACKEND = "sso.backends.OIDCBackend"


class Unverifiable(Exception):
    """The provider's answer contradicts itself (raised past the library, which would swallow
    a SuspiciousOperation from the user lookup)."""


class PasswordBackend(ModelBackend):
    """Django's password check, refusing Oceanis staff when ``STAFF_PASSWORD_LOGIN`` is off.

    Every password form (back-office, admin, extranet) ends here. The refusal is a form error
    naming the way in that remains, given only for the right password: a wrong one stays the
    usual failure that django-axes counts, so the message tells nothing to a guesser. Client
    contacts are not staff and keep their password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and user.is_staff and not settings.STAFF_PASSWORD_LOGIN:
            logger.info("sso: password login refused to staff user %s", user.pk)
            if conf.enabled():
                message = _(
                    "La connexion par mot de passe est désactivée pour le personnel d'Oceanis : "
                    "utilisez « Se connecter avec %(provider)s » sur la page de connexion."
                ) % {"provider": settings.OIDC_PROVIDER_NAME}
            else:
                message = _(
                    "La connexion par mot de passe est désactivée pour le personnel d'Oceanis."
                )
            raise ValidationError(message, code="staff_password_login_disabled")
        return user


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow (token exchange, JWKS, nonce), checked further and
    matched to Oceanis staff only.

    Beyond the library: the ID token's issuer, audience, expiry and algorithm are verified
    (the library leaves the audience unchecked), the e-mail must be verified by the provider,
    and the account must be an active staff user with a technician profile. A refusal leaves
    its reason on ``request.sso_refusal`` for the callback page.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = get_user_model()

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        # Only the callback view calls with a code verifier; password forms pass by.
        if request is None or "code_verifier" not in kwargs or not conf.enabled():
            return None
        provider = conf.provider()
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = provider.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = provider.jwks_uri
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def get_payload_data(self, token: bytes | str, key: Any) -> dict[str, Any]:
        algorithm = settings.OIDC_RP_SIGN_ALGO
        if algorithm.lower() == "none" or algorithm.startswith("HS"):
            # An HS* token would be signed with our own client secret: RSA/EC keys only.
            raise SuspiciousOperation(f"OIDC_RP_SIGN_ALGO {algorithm} is not accepted")
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != algorithm:
                raise SuspiciousOperation(f"ID token signed with {header.get('alg')}")
            payload: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=settings.OIDC_RP_CLIENT_ID,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=60,
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc
        issuer = self.provider.issuer
        if issuer and str(payload["iss"]).rstrip("/") != issuer.rstrip("/"):
            raise SuspiciousOperation(f"ID token issued by {payload['iss']}, not {issuer}")
        audience = payload["aud"]
        # OpenID Connect Core §3.1.3.7: with several audiences, we must be the authorized party.
        several = isinstance(audience, list) and len(audience) > 1
        if several and payload.get("azp") != settings.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences without our azp")
        return payload

    def retrieve_matching_jwk(self, token: bytes | str) -> Any:
        try:
            return super().retrieve_matching_jwk(token)
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise SuspiciousOperation(f"no usable signing key: {exc}") from exc

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        """The userinfo claims over the ID token's: some providers (Entra ID) put the groups
        in the ID token only, others (Keycloak, Google) give the profile at userinfo."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):
                # OpenID Connect Core §5.3.2: userinfo of another subject must not be used.
                raise Unverifiable("userinfo subject differs from the ID token's")
            claims.update(userinfo)
        return claims

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        email = str(claims.get("email") or "").strip()
        if not email:
            return self._refuse(_("Le fournisseur d'identité n'a pas transmis d'adresse e-mail."))
        verified = claims.get("email_verified")
        if settings.OIDC_REQUIRE_VERIFIED_EMAIL and verified not in (True, "true"):
            return self._refuse(
                _("Le fournisseur d'identité n'a pas vérifié l'adresse %(email)s.")
                % {"email": email}
            )
        users = selectors.users_with_email(email=email)
        if len(users) > 1:
            return self._refuse(
                _(
                    "Plusieurs comptes portent l'adresse %(email)s : un responsable doit "
                    "corriger les comptes avant la connexion."
                )
                % {"email": email}
            )
        if not users:
            if not settings.OIDC_CREATE_USERS:
                return self._refuse(
                    _(
                        "Aucun compte du personnel d'Oceanis ne porte l'adresse %(email)s. "
                        "Demandez à un responsable de créer votre compte."
                    )
                    % {"email": email}
                )
            user = services.sso_user_create(email=email, claims=claims)
        else:
            user = users[0]
            reason = selectors.sso_refusal_reason(user=user)
            if reason:
                return self._refuse(reason)
        services.sso_roles_sync(user=user, claims=claims)
        return user

    def _refuse(self, reason: str) -> None:
        logger.warning("sso: login refused: %s", reason)
        self.request.sso_refusal = reason  # type: ignore[attr-defined]
        return None
