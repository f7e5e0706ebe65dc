"""What an API token may do: its scopes, and the scope each route asks for (least privilege).

A token carries an explicit list of scopes chosen at creation, like GitLab scopes or GitHub
fine-grained tokens. Scopes only narrow: a client token stays confined to its client, and the
rights of the account a token acts as still apply. Sessions are not scoped (their user's rights
apply); scopes concern bearer tokens only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS


class TokenScope(models.TextChoices):
    TICKETS_READ = "tickets:read", _("Demandes : lire (liste, détail, fil, GTI)")
    TICKETS_WRITE = "tickets:write", _("Demandes : créer, requalifier, écrire dans le fil")
    TICKETS_WORKFLOW = (
        "tickets:workflow",
        _(
            "Demandes : prendre en charge, affecter, attente, reprise, résolution, clôture, "
            "réouverture, annulation, escalade"
        ),
    )
    ALERTS_WRITE = "alerts:write", _("Alertes de supervision : envoyer")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Webhooks : gérer les abonnements, tester, journal")
    DIRECTORY_READ = (
        "directory:read",
        _("Annuaire : clients, sites, contacts, contrats, techniciens"),
    )
    NOTIFICATIONS_READ = (
        "notifications:read",
        _("Mes notifications : lire, marquer lues (jeton agissant pour un intervenant)"),
    )
    ONCALL_READ = "oncall:read", _("Astreinte : qui est d'astreinte")
    ONCALL_WRITE = "oncall:write", _("Astreinte : acquitter un appel")
    CALLS_WRITE = "calls:write", _("Téléphonie : signaler les appels reçus (standard, CTI)")


ALL_SCOPES = frozenset(TokenScope.values)
# What a client token could do before scopes existed, and all it may ever hold: the on-call
# routes and personal notifications belong to Oceanis staff.
CLIENT_SCOPES = frozenset(
    {
        TokenScope.TICKETS_READ,
        TokenScope.TICKETS_WRITE,
        TokenScope.TICKETS_WORKFLOW,
        TokenScope.ALERTS_WRITE,
        TokenScope.WEBHOOKS_MANAGE,
        TokenScope.DIRECTORY_READ,
    }
)
# Only meaningful for a token acting as a staff person: a service account has no notices.
PERSONAL_SCOPES = frozenset({TokenScope.NOTIFICATIONS_READ})
# Everything a staff-wide token acting as its own service account may hold.
INTEGRATION_SCOPES = ALL_SCOPES - PERSONAL_SCOPES


def scopes_problem(scopes: Iterable[str], *, client: bool, personal: bool) -> str | None:
    """Why this scope list cannot be given to such a token, or None."""
    chosen = list(scopes)
    if not chosen:
        return _("Choisissez au moins une portée parmi : %s.") % ", ".join(TokenScope.values)
    unknown = sorted(set(chosen) - ALL_SCOPES)
    if unknown:
        return _("Portée inconnue : %(unknown)s. Portées possibles : %(known)s.") % {
            "unknown": ", ".join(unknown),
            "known": ", ".join(TokenScope.values),
        }
    if client:
        staff_only = sorted(set(chosen) - CLIENT_SCOPES)
        if staff_only:
            return _("Portée réservée aux jetons Oceanis (sans client) : %s.") % ", ".join(
                staff_only
            )
    if not personal:
        needs_person = sorted(set(chosen) & PERSONAL_SCOPES)
        if needs_person:
            return _(
                "Portée %s réservée à un jeton agissant pour un intervenant (--acting-as)."
            ) % ", ".join(needs_person)
    return None


def normalized(scopes: Iterable[str]) -> list[str]:
    """Deduplicated, in the catalogue's order (stable display and comparisons)."""
    chosen = set(scopes)
    return [value for value in TokenScope.values if value in chosen]


@dataclass(frozen=True)
class ScopeRule:
    """The scope a view's routes ask of a token: ``read`` for GET/HEAD/OPTIONS, ``write`` for
    the other methods; ``actions`` maps a scope to the viewset actions (space-separated names)
    that ask for it instead, whatever the method."""

    read: str | None
    write: str | None = None
    actions: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def only(cls, scope: str) -> ScopeRule:
        return cls(read=scope, write=scope)

    def required(self, method: str, action: str | None = None) -> str | None:
        for scope, names in self.actions.items():
            if action in names.split():
                return scope
        return self.read if method.upper() in SAFE_METHODS else self.write
