"""Writes of the SSO login: the account created when allowed, the roles the provider grants,
and the second factor it vouches for."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest

from identity.services import session_mark_verified
from staff.models import DEPUTY_GROUP, MANAGER_GROUP, Technician

logger = logging.getLogger(__name__)


@transaction.atomic
def sso_user_create(*, email: str, claims: dict[str, Any]) -> Any:
    """A staff account for a person the provider vouches for (``OIDC_CREATE_USERS``): no
    password, a technician profile at the default level and team, in ``OIDC_DEFAULT_GROUP``."""
    user_model = get_user_model()
    username = base = email.strip().lower()[:150]
    suffix = 1
    while user_model.objects.filter(username__iexact=username).exists():
        suffix += 1
        username = f"{base[: 150 - len(str(suffix)) - 1]}-{suffix}"
    user = user_model(
        username=username,
        email=email.strip(),
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
        is_staff=True,
    )
    user.set_unusable_password()
    user.save()
    Technician.objects.create(user=user)
    if settings.OIDC_DEFAULT_GROUP:
        group, _created = Group.objects.get_or_create(name=settings.OIDC_DEFAULT_GROUP)
        user.groups.add(group)
    logger.info("sso: staff account %s created for %s", user.pk, email)
    return user


def _claim_values(claims: dict[str, Any]) -> set[str] | None:
    """The values of the groups claim, or None when the token does not carry it."""
    name = settings.OIDC_GROUPS_CLAIM
    if not name or name not in claims:
        return None
    value = claims[name]
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple):
        return {str(item) for item in value}
    return set()


@transaction.atomic
def sso_roles_sync(*, user: Any, claims: dict[str, Any]) -> dict[str, bool]:
    """Manager and deputy membership as the provider's groups claim says, at each login.

    Nothing changes when no claim is configured, or when the token lacks it (Entra ID replaces
    a long group list by a link): a manager must not lose the role to a truncated token.
    Returns the roles changed (role → now held)."""
    values = _claim_values(claims)
    if values is None:
        if settings.OIDC_GROUPS_CLAIM:
            logger.warning(
                "sso: claim %s absent for user %s: roles left as they were",
                settings.OIDC_GROUPS_CLAIM,
                user.pk,
            )
        return {}
    wanted = {
        MANAGER_GROUP: bool(values & set(settings.OIDC_MANAGER_GROUPS)),
        DEPUTY_GROUP: bool(values & set(settings.OIDC_DEPUTY_GROUPS)),
    }
    held = set(user.groups.filter(name__in=wanted).values_list("name", flat=True))
    changed: dict[str, bool] = {}
    for name, want in wanted.items():
        if want == (name in held):
            continue
        group, _created = Group.objects.get_or_create(name=name)
        if want:
            user.groups.add(group)
        else:
            user.groups.remove(group)
        changed[name] = want
        logger.info(
            "sso: role %s %s for user %s (claim %s)",
            name,
            "granted" if want else "withdrawn",
            user.pk,
            settings.OIDC_GROUPS_CLAIM,
        )
    return changed


def sso_session_verify(*, request: HttpRequest) -> None:
    """Count the provider's login as the second factor (``OIDC_SATISFIES_2FA``): the provider
    enforces its own MFA. Called after ``login()`` has rotated the session."""
    if settings.OIDC_SATISFIES_2FA:
        session_mark_verified(request=request, method="oidc")
