"""Extranet pages (under /extranet/securite/): a contact's optional authenticator app, the
second step of their login, and the client admin's rule for the whole organisation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from extranet.access import contact_required

from . import flows, selectors, services
from .forms import OrganisationRuleForm


@contact_required
def security(request):
    contact = request.contact
    required = selectors.organisation_requires_2fa(contact.client_id)
    context = {
        "nav": "security",
        "factors": selectors.factors_of(request.user),
        "codes_left": selectors.recovery_codes_left(request.user),
        "required": required,
        "rule_form": OrganisationRuleForm(initial={"required": required})
        if contact.is_client_admin
        else None,
    }
    return render(request, "identity/client_security.html", context)


@contact_required
def verify(request):
    return flows.verify(request, flows.EXTRANET)


@contact_required
def totp_add(request):
    return flows.totp_add(request, flows.EXTRANET)


@contact_required
def recovery_codes(request):
    return flows.recovery_codes(request, flows.EXTRANET)


@contact_required
@require_POST
def recovery_regenerate(request):
    return flows.recovery_regenerate(request, flows.EXTRANET)


@contact_required
@require_POST
def factor_remove(request):
    return flows.factor_remove(request, flows.EXTRANET)


@contact_required
@require_POST
def organisation_rule(request):
    """A client admin requires (or stops requiring) a second factor in their organisation."""
    contact = request.contact
    if not contact.is_client_admin:
        raise PermissionDenied(_("Réservé aux administrateurs de votre organisation."))
    form = OrganisationRuleForm(request.POST)
    form.is_valid()  # a checkbox: always valid, absent means "not required"
    required = bool(form.cleaned_data.get("required"))
    services.organisation_require_2fa_set(contact=contact, required=required, by=request.user)
    if required:
        messages.success(
            request,
            _(
                "La double authentification est désormais exigée : les contacts qui n'en ont pas "
                "l'ajouteront à leur prochaine connexion."
            ),
        )
    else:
        messages.success(request, _("La double authentification redevient facultative."))
    return redirect("extranet:security")
