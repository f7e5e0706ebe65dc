"""Issuing and revoking API tokens (the management command and the admin call these)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from clients.models import Client

from .models import ApiToken


def service_account(name: str):
    """The user an integration acts as: named after it, no password, never staff."""
    username = f"api-{slugify(name)}"[:150]
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": name[:150], "is_staff": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def token_create(*, name: str, client: Client | None = None, user=None) -> tuple[ApiToken, str]:
    """Create a token; returns it with the clear value, which is never stored nor shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Le nom est obligatoire.")})
    if ApiToken.objects.filter(name=name).exists():
        raise ValidationError({"name": _("Un jeton porte déjà ce nom.")})
    raw, prefix, key_hash = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            prefix=prefix,
            key_hash=key_hash,
            client=client,
            user=user or service_account(name),
        )
    return token, raw


def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke at once; the row stays for the audit trail (last use, creation)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token
