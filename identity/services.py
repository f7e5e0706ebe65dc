"""Writes: verifying and marking a session, adding and removing factors, the managers' reset and
the organisations' requirement. Every change of factors is logged (FactorEvent) and ends the
user's other sessions (``logins.signals.credentials_changed``)."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from logins.signals import credentials_changed
from staff import policy
from staff.policy import Action

from .models import FactorEvent, FactorEventKind, OrganisationPolicy
from .selectors import NOTHING, factor_required, has_factor, second_factor_owed

# Session keys. "identity_verified" holds how the second factor was given: "totp", "recovery",
# "webauthn", or "oidc" (set by the sso app when the identity provider vouches for MFA).
VERIFIED_KEY = "identity_verified"
PENDING_KEY = "identity_pending"
NEW_CODES_KEY = "identity_new_codes"
METHODS = ("totp", "recovery", "webauthn", "oidc")
RECOVERY_CODES = 10


class FactorError(Exception):
    """A refused factor change, with the reason to show."""


# --- sessions ------------------------------------------------------------------------------


def session_mark_verified(*, request, method: str) -> None:
    """The session's user gave their second factor (or the identity provider vouched for it).

    Call it after ``login()``: a login as another user starts a new session."""
    if method not in METHODS:
        raise ValueError(f"unknown verification method {method!r}")
    request.session.cycle_key()  # a session that gains rights gets a new key
    request.session[VERIFIED_KEY] = method
    request.session[PENDING_KEY] = NOTHING


def session_on_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: note what this new session still owes (read by the middleware
    without a query on every request)."""
    if request is None or not hasattr(request, "session"):
        return
    if request.session.get(VERIFIED_KEY):
        return  # the same user logging in again in a session that gave its factor
    request.session[PENDING_KEY] = second_factor_owed(user)


def session_owes(request) -> str:
    """VERIFY, ENROL or NOTHING for this request's session (computed once per session)."""
    session = request.session
    if SESSION_KEY not in session or session.get(VERIFIED_KEY):
        return NOTHING
    owed = session.get(PENDING_KEY)
    if owed is None:  # a session opened before this app: decide once
        user = request.user
        if not user.is_authenticated:
            return NOTHING
        owed = session[PENDING_KEY] = second_factor_owed(user)
    return owed


def session_is_verified(request) -> bool:
    return bool(request.session.get(VERIFIED_KEY))


# --- verification --------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def second_factor_verify(*, user, code: str) -> str | None:
    """The method ("totp" or "recovery") when ``code`` is a valid code of ``user``, else None.

    A TOTP code is accepted once (django-otp keeps the last time step used), a recovery code is
    deleted when used, and failures slow the next attempts down (django-otp throttling). Rows
    are locked so that two requests cannot both spend the same code."""
    code = normalise_code(code)
    if not code:
        return None
    with transaction.atomic():
        if code.isdigit():
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            for device in devices.order_by("pk"):
                if device.verify_token(code):
                    return "totp"
            return None
        static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in static:
            if device.verify_token(code):
                return "recovery"
    return None


def verification_throttled(*, user) -> bool:
    """Too many wrong codes lately: django-otp refuses every code for a while."""
    devices = [*TOTPDevice.objects.filter(user=user, confirmed=True)]
    devices += [*StaticDevice.objects.filter(user=user, confirmed=True)]
    return any(not device.verify_is_allowed()[0] for device in devices)


# --- adding factors ------------------------------------------------------------------------


def totp_pending_device(*, user) -> TOTPDevice:
    """The authenticator-app secret being set up (unconfirmed until a code proves it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=_("Application d'authentification"), confirmed=False
        )
    return device


@transaction.atomic
def totp_confirm(*, user, code: str, request) -> list[str] | None:
    """Confirm the pending secret with a code from the app. Returns the new recovery codes
    (first factor only) or [], None when the code is wrong."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    code = normalise_code(code)
    if device is None or not code.isdigit() or not device.verify_token(code):
        return None
    first = not has_factor(user)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    _log(FactorEventKind.TOTP_ADDED, actor=user, subject=user)
    codes = _recovery_codes_issue(user=user, actor=user) if first else []
    _factors_changed(user=user, request=request, method="totp")
    return codes


def passkey_registered(*, user, request, credential_id: int) -> None:
    """A passkey was registered by django-otp-webauthn's ceremony: log it, recovery codes for a
    first factor, end the other sessions."""
    credential = WebAuthnCredential.objects.filter(pk=credential_id, user=user).first()
    if credential is None:
        return
    others = WebAuthnCredential.objects.filter(user=user, confirmed=True).exclude(pk=credential_id)
    first = not others.exists() and not TOTPDevice.objects.filter(user=user, confirmed=True)
    _log(FactorEventKind.PASSKEY_ADDED, actor=user, subject=user, detail=credential.name)
    if first:
        request.session[NEW_CODES_KEY] = _recovery_codes_issue(user=user, actor=user)
    _factors_changed(user=user, request=request, method="webauthn")


@transaction.atomic
def recovery_codes_regenerate(*, user, request) -> list[str]:
    """New recovery codes replace the old ones (a user with a factor only)."""
    if not has_factor(user):
        raise FactorError(_("Ajoutez d'abord une application d'authentification."))
    codes = _recovery_codes_issue(user=user, actor=user)
    _factors_changed(user=user, request=request)
    return codes


def _recovery_codes_issue(*, user, actor) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Codes de secours"), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    _log(FactorEventKind.RECOVERY_GENERATED, actor=actor, subject=user)
    return codes


# --- removing factors ----------------------------------------------------------------------


@transaction.atomic
def factor_remove(*, user, kind: str, pk: int, password: str, request) -> None:
    """Remove one of the user's own factors after checking their password again. Without a
    factor left, the recovery codes go too; staff who must have one are refused their last."""
    if not user.check_password(password or ""):
        raise FactorError(_("Mot de passe incorrect."))
    model = {"totp": TOTPDevice, "passkey": WebAuthnCredential}.get(kind)
    device = model.objects.filter(user=user, pk=pk).first() if model else None
    if device is None:
        raise FactorError(_("Ce facteur n'existe plus."))
    if _factor_count(user) == 1 and factor_required(user):
        raise FactorError(
            _("La double authentification est obligatoire : ajoutez un autre facteur avant.")
        )
    name = device.name
    device.delete()
    if not has_factor(user):
        StaticDevice.objects.filter(user=user).delete()
    _log(FactorEventKind.FACTOR_REMOVED, actor=user, subject=user, detail=name)
    _factors_changed(user=user, request=request)


def _factor_count(user) -> int:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).count()
        + WebAuthnCredential.objects.filter(user=user, confirmed=True).count()
    )


@transaction.atomic
def factors_reset(*, user, by) -> int:
    """A manager clears a member of staff's factors (lost phone): they enrol again at their
    next login, and every session of theirs ends now. Returns how many factors were removed."""
    policy.check(by, Action.IDENTITY_RESET, user)
    if not user.is_staff:
        raise FactorError(_("Seuls les comptes du personnel sont réinitialisés ici."))
    removed = _factor_count(user)
    TOTPDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _log(FactorEventKind.RESET, actor=by, subject=user, detail=str(removed))
    credentials_changed.send(sender=factors_reset, user=user, request=None)
    if user.email:
        transaction.on_commit(lambda: _mail_reset_notice(user=user, by=by))
    return removed


def _mail_reset_notice(*, user, by) -> None:
    send_mail(
        _("Votre double authentification a été réinitialisée"),
        _(
            "Bonjour,\n\n%(by)s a réinitialisé vos facteurs de double authentification le "
            "%(when)s. À votre prochaine connexion, vous en ajouterez un nouveau.\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, prévenez le responsable du centre."
        )
        % {
            "by": by.get_full_name() or by.get_username(),
            "when": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
        },
        None,
        [user.email],
        fail_silently=True,
    )


# --- organisations -------------------------------------------------------------------------


@transaction.atomic
def organisation_require_2fa_set(*, contact, required: bool, by) -> OrganisationPolicy:
    """A client admin requires (or no longer requires) a second factor of every contact of
    their organisation; contacts without one enrol at their next login."""
    if not contact.is_client_admin or not contact.is_active or contact.user_id != by.pk:
        raise FactorError(_("Réservé aux administrateurs de votre organisation."))
    rule, _created = OrganisationPolicy.objects.select_for_update().get_or_create(
        client_id=contact.client_id
    )
    if rule.require_2fa != required:
        rule.require_2fa = required
        rule.changed_by = by
        rule.changed_at = timezone.now()
        rule.save()
        kind = FactorEventKind.ORG_REQUIRED if required else FactorEventKind.ORG_OPTIONAL
        _log(kind, actor=by, subject=None, client_id=contact.client_id)
    return rule


# --- shared --------------------------------------------------------------------------------


def _log(kind, *, actor, subject, detail: str = "", client_id: int | None = None) -> None:
    FactorEvent.objects.create(
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        actor_name=actor.get_username() if actor is not None else "",
        subject_id=getattr(subject, "pk", None),
        subject_name=subject.get_username() if subject is not None else "",
        client_id_ref=client_id,
        detail=detail[:200],
    )


def _factors_changed(*, user, request, method: str | None = None) -> None:
    """This session stays (verified, with the factor just proven); the user's others end."""
    if request is not None and method is not None and not session_is_verified(request):
        session_mark_verified(request=request, method=method)
    credentials_changed.send(sender=_factors_changed, user=user, request=request)
