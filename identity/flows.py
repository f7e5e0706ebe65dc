"""The verification and enrolment steps, shared by the staff pages and the extranet's."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from . import selectors, services
from .forms import CodeForm, FactorRemoveForm


@dataclass(frozen=True)
class Door:
    """Where one side (staff or extranet) keeps its pages."""

    home: str
    verify: str
    totp_add: str
    codes: str
    factors: str
    templates: str  # template name prefix


STAFF = Door(
    home="home",
    verify="identity:verify",
    totp_add="identity:totp_add",
    codes="identity:recovery_codes",
    factors="identity:factors",
    templates="identity/",
)
EXTRANET = Door(
    home="extranet:home",
    verify="extranet:security_verify",
    totp_add="extranet:security_totp",
    codes="extranet:security_codes",
    factors="extranet:security",
    templates="identity/client_",
)


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else default


def verify(request, door: Door):
    user = request.user
    owed = services.session_owes(request)
    home = reverse(door.home)
    if owed == selectors.ENROL:
        return redirect(door.totp_add)
    if owed == selectors.NOTHING:
        return redirect(safe_next(request, home))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.verification_throttled(user=user):
            # Refused whatever the code: saying "wrong" would mislead someone typing it right.
            form.add_error("code", _("Trop d'essais : patientez quelques secondes."))
            method = None
        else:
            method = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
            if method is None:
                form.add_error("code", _("Code incorrect ou déjà utilisé."))
        if method is not None:
            services.session_mark_verified(request=request, method=method)
            if method == "recovery":
                left = selectors.recovery_codes_left(user)
                messages.warning(
                    request,
                    _("Code de secours utilisé : il vous en reste %(n)s.") % {"n": left},
                )
            return redirect(safe_next(request, home))
    context = {
        "form": form,
        "next": safe_next(request, ""),
        "passkey": door is STAFF and webauthn_offered(request) and selectors.has_passkey(user),
    }
    return render(request, door.templates + "verify.html", context)


def totp_add(request, door: Door):
    """Set up an authenticator app: QR code and secret, confirmed with a first code."""
    user = request.user
    owed = services.session_owes(request)
    if owed == selectors.VERIFY:
        return redirect(reverse(door.verify) + "?next=" + request.path)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_confirm(user=user, code=form.cleaned_data["code"], request=request)
        if codes is not None:
            messages.success(request, _("Application d'authentification ajoutée."))
            if codes:
                request.session[services.NEW_CODES_KEY] = codes
                return redirect(door.codes)
            return redirect(door.factors)
        form.add_error("code", _("Code incorrect : vérifiez l'heure de votre téléphone."))
    device = services.totp_pending_device(user=user)
    url = device.config_url
    qr = segno.make(url, error="m").svg_inline(scale=4, title=_("QR code à scanner"))
    secret = url.split("secret=", 1)[1].split("&", 1)[0]
    context = {
        "form": form,
        "qr": mark_safe(qr),  # noqa: S308 - segno's own SVG markup of our otpauth URL
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "mandatory": owed == selectors.ENROL,
        "passkey_offered": door is STAFF and webauthn_offered(request),
    }
    return render(request, door.templates + "totp_add.html", context)


def recovery_codes(request, door: Door):
    """The recovery codes just issued, shown once (then only how many are left)."""
    codes = request.session.pop(services.NEW_CODES_KEY, None)
    context = {
        "codes": codes,
        "left": selectors.recovery_codes_left(request.user),
        "continue_url": reverse(door.home),
    }
    return render(request, door.templates + "recovery_codes.html", context)


def recovery_regenerate(request, door: Door):
    try:
        codes = services.recovery_codes_regenerate(user=request.user, request=request)
    except services.FactorError as error:
        messages.error(request, str(error))
        return redirect(door.factors)
    request.session[services.NEW_CODES_KEY] = codes
    return redirect(door.codes)


def factor_remove(request, door: Door):
    form = FactorRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez votre mot de passe pour supprimer un facteur."))
        return redirect(door.factors)
    try:
        services.factor_remove(
            user=request.user,
            kind=form.cleaned_data["kind"],
            pk=form.cleaned_data["pk"],
            password=form.cleaned_data["password"],
            request=request,
        )
    except services.FactorError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Facteur supprimé."))
    return redirect(door.factors)


def webauthn_offered(request) -> bool:
    """Passkeys work where the page's host is the relying party (https, or localhost)."""
    from django.conf import settings

    return request.get_host().split(":", 1)[0] == settings.OTP_WEBAUTHN_RP_ID
