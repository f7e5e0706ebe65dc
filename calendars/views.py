"""The managers' calendar screen: exceptions to come, a form to enter one, the change log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.access import Action, policy_required
from oceanis.forms import add_service_errors

from .forms import ExceptionForm
from .models import CalendarException
from .selectors import recent_changes, upcoming_exceptions
from .services import calendar_exception_add, calendar_exception_withdraw

manage_required = policy_required(Action.CALENDARS_MANAGE)


@require_http_methods(["GET", "POST"])
@manage_required
def index(request):
    form = ExceptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exception = calendar_exception_add(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Exception enregistrée : %(e)s") % {"e": exception})
            return redirect("calendars:index")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "calendars/index.html",
        {
            "form": form,
            "exceptions": upcoming_exceptions(since=timezone.localdate()),
            "changes": recent_changes(),
        },
        status=status,
    )


@require_POST
@manage_required
def withdraw(request, pk: int):
    exception = get_object_or_404(CalendarException, pk=pk)
    try:
        calendar_exception_withdraw(exception=exception, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Exception retirée : %(e)s") % {"e": exception})
    return redirect("calendars:index")
