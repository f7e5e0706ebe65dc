"""The SSO doors: start (to the provider, with state, nonce and PKCE) and callback.

Both are mozilla-django-oidc's views. The callback calls our backend itself rather than through
``django.contrib.auth.authenticate``: django-axes would otherwise count each refused SSO login
against the client's IP with no username, and lock out a whole office behind one address after
a few refusals, for a login whose password the provider checks, not us.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import conf, services
from .backends import OIDC_BACKEND, OIDCBackend, Unverifiable

logger = logging.getLogger(__name__)


def refused(request: HttpRequest, reason: str, status: int = 403) -> HttpResponse:
    return render(
        request,
        "sso/refused.html",
        {"reason": reason, "provider_name": settings.OIDC_PROVIDER_NAME},
        status=status,
    )


def _unverifiable() -> str:
    return _(
        "La réponse du fournisseur d'identité n'a pas pu être vérifiée. Recommencez la "
        "connexion ; si le refus se répète, prévenez l'administrateur."
    )


class StartView(OIDCAuthenticationRequestView):
    def __init__(self, **kwargs: object) -> None:
        # The library reads the endpoint here; ours may come from discovery, read in get().
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not conf.enabled():
            raise Http404
        try:
            provider = conf.provider()
        except conf.ProviderError as exc:
            logger.error("sso: provider unavailable: %s", exc)
            return refused(
                request,
                _("Le fournisseur d'identité est injoignable. Réessayez dans quelques minutes."),
                status=502,
            )
        self.OIDC_OP_AUTH_ENDPOINT = provider.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)  # type: ignore[no-any-return]


class CallbackView(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not conf.enabled():
            raise Http404
        states = request.session.get("oidc_states")
        state = request.GET.get("state", "")
        entry = states.pop(state, None) if isinstance(states, dict) else None
        if entry is not None:
            # Used once, even when what follows fails: a replayed callback finds nothing.
            request.session["oidc_states"] = states
            request.session.save()
        if request.GET.get("error"):
            logger.warning("sso: provider answered %s", request.GET.get("error"))
            return refused(
                request,
                _("Le fournisseur d'identité a refusé la connexion (%(error)s).")
                % {"error": request.GET.get("error", "")[:100]},
            )
        if entry is None or not request.GET.get("code"):
            logger.warning("sso: callback without a state of this session")
            return refused(
                request,
                _(
                    "Cette réponse du fournisseur d'identité ne correspond à aucune connexion "
                    "commencée dans ce navigateur. Recommencez la connexion."
                ),
                status=400,
            )
        try:
            self.user = OIDCBackend().authenticate(
                request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
            )
        except (SuspiciousOperation, Unverifiable) as exc:
            logger.warning("sso: login refused: %s", exc)
            return refused(request, _unverifiable(), status=400)
        except (requests.RequestException, conf.ProviderError) as exc:
            logger.error("sso: provider call failed: %s", exc)
            return refused(request, _unverifiable(), status=502)
        if self.user is None or not self.user.is_active:
            return refused(request, getattr(request, "sso_refusal", "") or _unverifiable())
        self.user.backend = OIDC_BACKEND
        return self.login_success()

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        services.sso_session_verify(request=self.request)
        logger.info("sso: user %s logged in", self.user.pk)
        return response  # type: ignore[no-any-return]
