"""Reads of the SSO login: which account an e-mail names, and whether it may come in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from staff.models import Technician


def users_with_email(*, email: str) -> list[Any]:
    """Every account with this address, whatever the case (at most two are needed to refuse)."""
    return list(get_user_model().objects.filter(email__iexact=email.strip())[:2])


def sso_refusal_reason(*, user: Any) -> str:
    """Why this account may not log in by SSO ("" when it may): staff only, active, with a
    technician profile. A client contact keeps the extranet and its own password."""
    if not user.is_active:
        return str(_("Ce compte est désactivé : la connexion est refusée."))
    if not user.is_staff:
        return str(
            _(
                "L'authentification unique est réservée au personnel d'Oceanis ; les clients se "
                "connectent à l'extranet avec leur mot de passe."
            )
        )
    if not Technician.objects.filter(user=user).exists():
        return str(
            _(
                "Ce compte n'a pas de profil technicien : un responsable doit le compléter avant "
                "la connexion par authentification unique."
            )
        )
    return ""
