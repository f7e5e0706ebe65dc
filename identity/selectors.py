"""Reads: a user's second factors, what their session owes, the team overview for managers."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from .models import FactorEvent, OrganisationPolicy

# What the session of a user who just logged in still owes (request.session["identity_pending"]).
VERIFY = "verify"  # has a factor: prove it
ENROL = "enrol"  # must have one and has none: add one
NOTHING = ""


@dataclass(frozen=True)
class Factor:
    kind: str  # "totp" | "passkey"
    pk: int
    name: str
    created_at: object
    last_used_at: object


def factors_of(user) -> list[Factor]:
    """The user's confirmed primary factors (authenticator apps and passkeys), oldest first."""
    found = [
        Factor("totp", d.pk, d.name, d.created_at, d.last_used_at)
        for d in TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    ]
    found += [
        Factor("passkey", c.pk, c.name, c.created_at, c.last_used_at)
        for c in WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk")
    ]
    return found


def has_factor(user) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def has_passkey(user) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def contact_of(user):
    """The active client contact behind an extranet account, or None."""
    from clients.models import Contact

    return Contact.objects.filter(user=user, is_active=True).select_related("client").first()


def organisation_requires_2fa(client_id: int | None) -> bool:
    if client_id is None:
        return False
    return OrganisationPolicy.objects.filter(client_id=client_id, require_2fa=True).exists()


def second_factor_owed(user) -> str:
    """VERIFY, ENROL or NOTHING for a user who just gave their password."""
    if has_factor(user):
        return VERIFY
    if user.is_staff:
        return ENROL if settings.STAFF_REQUIRE_2FA else NOTHING
    contact = contact_of(user)
    if contact is not None and organisation_requires_2fa(contact.client_id):
        return ENROL
    return NOTHING


def factor_required(user) -> bool:
    """The user may not be without a second factor (staff under STAFF_REQUIRE_2FA, contacts of
    an organisation requiring it)."""
    if user.is_staff:
        return bool(settings.STAFF_REQUIRE_2FA)
    contact = contact_of(user)
    return contact is not None and organisation_requires_2fa(contact.client_id)


def staff_factor_overview():
    """Active staff accounts with how many factors each has (one query), for the managers' page
    and the admin."""
    User = get_user_model()
    totp = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        User.objects.filter(is_staff=True, is_active=True)
        .annotate(
            has_totp=Exists(totp),
            passkeys=Count("webauthncredential", filter=Q(webauthncredential__confirmed=True)),
        )
        .order_by("last_name", "first_name", "username")
    )


def factor_events(*, subject_id: int | None = None, limit: int = 50):
    events = FactorEvent.objects.all()
    if subject_id is not None:
        events = events.filter(subject_id=subject_id)
    return events[:limit]
