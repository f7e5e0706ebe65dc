"""Issuing, re-scoping and revoking API tokens (the management command and the admin call these)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from clients.models import Client
from staff.models import is_staff_member

from ..models import ApiToken
from ..scopes import normalized, scopes_problem


def service_account_problem(name: str) -> str | None:
    """Why ``name`` cannot have its own service account: a person already holds that login,
    and the integration must not borrow their rights."""
    username = f"api-{slugify(name)}"[:150]
    people = get_user_model().objects.filter(username=username)
    if people.filter(is_staff=True).exists() or people.filter(is_superuser=True).exists():
        return _("Ce nom correspond au compte d'une personne : choisissez-en un autre.")
    return None


def service_account(name: str):
    """The user an integration acts as: named after it, no password, never staff."""
    problem = service_account_problem(name)
    if problem:
        raise ValidationError({"name": problem})
    username = f"api-{slugify(name)}"[:150]
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": name[:150], "is_staff": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def token_create(
    *,
    name: str,
    scopes: Iterable[str],
    client: Client | None = None,
    acting_as=None,
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the clear value, which is never stored nor shown again.

    Without ``acting_as`` the token runs as its own service account (an integration, never a
    person's rights); with it, as that staff member. ``acting_as`` and ``client`` exclude each
    other: a client token acts for the client, not for an Oceanis person.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Le nom est obligatoire.")})
    if acting_as is not None:
        if client is not None:
            raise ValidationError(
                {"acting_as": _("Un jeton client ne peut pas agir pour un intervenant.")}
            )
        if not acting_as.is_active or not is_staff_member(acting_as):
            raise ValidationError(
                {"acting_as": _("Seul un intervenant Oceanis actif peut être représenté.")}
            )
    scopes = list(scopes)
    problem = scopes_problem(scopes, client=client is not None, personal=acting_as is not None)
    if problem:
        raise ValidationError({"scopes": problem})
    if ApiToken.objects.filter(name=name).exists():
        raise ValidationError({"name": _("Un jeton porte déjà ce nom.")})
    raw, prefix, key_hash = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            prefix=prefix,
            key_hash=key_hash,
            client=client,
            scopes=normalized(scopes),
            user=acting_as or service_account(name),
            acts_for_person=acting_as is not None,
        )
    return token, raw


def token_set_scopes(*, token: ApiToken, scopes: Iterable[str]) -> ApiToken:
    """Replace a token's scopes (same rules as at creation); effective on its next request."""
    scopes = list(scopes)
    personal = token.acts_for_person
    problem = scopes_problem(scopes, client=token.client_id is not None, personal=personal)
    if problem:
        raise ValidationError({"scopes": problem})
    token.scopes = normalized(scopes)
    ApiToken.objects.filter(pk=token.pk).update(scopes=token.scopes)
    return token


def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke at once; the row stays for the audit trail (last use, creation)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token
