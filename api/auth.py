"""Bearer-token authentication, the token-scope gate, and the tenant scope every API view filters
through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from oceanis.db import HotSelect
from staff import policy

from .models import ApiToken, hash_token
from .scopes import ScopeRule

# last_used_at is informative: writing it at most once a minute keeps requests read-only.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer oc_…``. Revoked or unknown tokens get 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("En-tête Authorization mal formé."))
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Jeton invalide.")) from exc
        token = _active_token(hash_token(raw))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Jeton invalide ou révoqué."))
        if token.acts_for_person and not token.user.is_staff:
            # Issued to act for a staff member who no longer is one: never an integration.
            raise exceptions.AuthenticationFailed(_("Jeton invalide ou révoqué."))
        if token.client_id is not None and not token.client.is_active:
            # A client Oceanis no longer serves: its contacts lose the extranet, its tokens too.
            raise exceptions.AuthenticationFailed(_("Jeton invalide ou révoqué."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        if not token.acts_for_person:
            # Tell staff.policy who this account is without it querying the tokens again.
            policy.declare_token_account(token.user, client_id=token.client_id)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


# Every API request runs it: the ORM query (select_related over three tables) cost three times
# the round trip itself; prepared, PostgreSQL spends 50 µs on it instead of 240 µs.
_TOKEN = HotSelect(
    "api.ApiToken",
    settings.AUTH_USER_MODEL,
    "clients.Client",
    tail='FROM {0} INNER JOIN {1} ON {0}."user_id" = {1}."id" '
    'LEFT OUTER JOIN {2} ON {0}."client_id" = {2}."id" '
    'WHERE {0}."key_hash" = %s AND {0}."revoked_at" IS NULL',
)


def _active_token(key_hash: str) -> ApiToken | None:
    """The unrevoked token of this hash, with its service account and client loaded."""
    row = _TOKEN.first([key_hash])
    if row is None:
        return None
    token, user, client = row
    token.user, token.client = user, client
    return token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Jeton d'intégration : `Authorization: Bearer oc_…`",
        }


@dataclass(frozen=True)
class Scope:
    """What the caller may see: everything (staff), or one client (optionally one site)."""

    staff: bool
    client_id: int | None = None
    site_id: int | None = None

    @property
    def sees_internal(self) -> bool:
        return self.staff


def scope_for(request) -> Scope | None:
    """The caller's scope: token scope, else the session user's (staff or client contact)."""
    cached = getattr(request, "_oceanis_scope", False)
    if cached is not False:
        return cached
    scope = _compute_scope(request)
    request._oceanis_scope = scope
    return scope


def _compute_scope(request) -> Scope | None:
    token = request.auth if isinstance(request.auth, ApiToken) else None
    if token is not None:
        if token.client_id is None:
            return Scope(staff=True)
        return Scope(staff=False, client_id=token.client_id)
    user = request.user
    if not user or not user.is_authenticated:
        return None
    if user.is_staff:
        return Scope(staff=True)
    contact = getattr(user, "contact", None)
    if contact is None or not contact.is_active or not contact.client.is_active:
        return None
    own_site_only = (
        contact.visibility == contact.Visibility.OWN_SITE
        and not contact.is_client_admin
        and contact.site_id is not None
    )
    return Scope(
        staff=False, client_id=contact.client_id, site_id=contact.site_id if own_site_only else None
    )


class InsufficientScope(exceptions.PermissionDenied):
    """403 ``insufficient_scope``: the token lacks the scope this route asks for."""

    default_code = "insufficient_scope"

    def __init__(self, scope: str | None):
        if scope is None:
            detail = _("Cette route n'est ouverte à aucun jeton d'API.")
        else:
            detail = _("Ce jeton n'a pas la portée « %s » que demande cette route.") % scope
        super().__init__(detail, code=self.default_code)
        self.scope = scope


def required_scope(view, method: str) -> str | None:
    """The scope ``view`` declares for ``method`` (its ``token_scopes`` rule), or None."""
    rule: ScopeRule | None = getattr(view, "token_scopes", None)
    return rule.required(method, getattr(view, "action", None)) if rule else None


def check_token_scope(request, scope: str | None) -> None:
    """Raise InsufficientScope when the request carries a token without ``scope``.

    Sessions pass (their user's rights apply); a route declaring no scope refuses every token.
    """
    token = request.auth if isinstance(request.auth, ApiToken) else None
    if token is not None and not token.has_scope(scope):
        raise InsufficientScope(scope)


class TokenScopeRequired(BasePermission):
    """The token holds the scope the view declares (``token_scopes``) for this request."""

    def has_permission(self, request, view):
        check_token_scope(request, required_scope(view, request.method))
        return True


class HasScope(TokenScopeRequired):
    """Authenticated as a token, an Oceanis staff member or an active client contact; a token
    must also hold the route's scope."""

    message = _("Ce compte n'a pas accès à l'API.")

    def has_permission(self, request, view):
        return scope_for(request) is not None and super().has_permission(request, view)


class IsStaffScope(TokenScopeRequired):
    """Oceanis-side actions (workflow, internal data): staff-wide tokens and staff sessions; a
    token must also hold the route's scope."""

    message = _("Action réservée aux intervenants Oceanis.")

    def has_permission(self, request, view):
        scope = scope_for(request)
        if scope is None:
            return False
        super().has_permission(request, view)
        return scope.staff
