"""Staff pages: the second step of the login, enrolment, "Mes facteurs", and the managers'
overview where a colleague's factors are reset."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import policy_required, staff_required
from staff import policy
from staff.policy import Action

from . import flows, selectors, services

manager_only = policy_required(Action.IDENTITY_RESET)


@staff_required
def verify(request):
    return flows.verify(request, flows.STAFF)


@staff_required
def totp_add(request):
    return flows.totp_add(request, flows.STAFF)


@staff_required
def recovery_codes(request):
    return flows.recovery_codes(request, flows.STAFF)


@staff_required
def factors(request):
    user = request.user
    context = {
        "factors": selectors.factors_of(user),
        "codes_left": selectors.recovery_codes_left(user),
        "passkey_offered": flows.webauthn_offered(request),
        "required": selectors.factor_required(user),
        "events": selectors.factor_events(subject_id=user.pk, limit=10),
        "may_reset": policy.allows(user, Action.IDENTITY_RESET),
    }
    return render(request, "identity/factors.html", context)


@staff_required
@require_POST
def recovery_regenerate(request):
    return flows.recovery_regenerate(request, flows.STAFF)


@staff_required
@require_POST
def factor_remove(request):
    return flows.factor_remove(request, flows.STAFF)


@manager_only
def team(request):
    context = {
        "people": selectors.staff_factor_overview(),
        "events": selectors.factor_events(limit=30),
    }
    return render(request, "identity/team.html", context)


@manager_only
@require_POST
def reset(request, pk: int):
    person = get_object_or_404(get_user_model(), pk=pk, is_staff=True)
    try:
        removed = services.factors_reset(user=person, by=request.user)
    except services.FactorError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Facteurs de %(name)s réinitialisés (%(n)s supprimé(s)).")
            % {"name": person.get_full_name() or person.get_username(), "n": removed},
        )
    return redirect("identity:team")
