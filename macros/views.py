"""Back-office pages of canned answers: the management list and form, and the ticket page's
picker (htmx: choosing a macro refills the entry form with its rendered text and time)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.access import staff_required, user_is_manager
from backoffice.forms import EntryForm, apply_validation_error
from tickets.models import Ticket

from . import services
from .forms import MacroForm
from .models import Macro
from .placeholders import PLACEHOLDERS
from .selectors import macros_for, manageable_macros, may_edit


@staff_required
@require_GET
def macro_list(request):
    rows = list(manageable_macros(request.user))
    return render(
        request,
        "macros/list.html",
        {
            "rows": [(m, may_edit(request.user, m)) for m in rows],
            "manager": user_is_manager(request),
            "placeholders": PLACEHOLDERS,
        },
    )


def _save(request, macro: Macro | None):
    manager = user_is_manager(request)
    form = MacroForm(request.POST or None, instance=macro, manager=manager)
    if request.method == "POST" and form.is_valid():
        try:
            if macro is None:
                services.macro_create(by=request.user, **form.cleaned_data)
            else:
                services.macro_update(macro=macro, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Réponse type enregistrée."))
            return redirect("macros:list")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "macros/form.html",
        {"form": form, "macro": macro, "placeholders": PLACEHOLDERS},
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def macro_new(request):
    return _save(request, None)


@staff_required
@require_http_methods(["GET", "POST"])
def macro_edit(request, pk: int):
    macro = get_object_or_404(manageable_macros(request.user), pk=pk)
    if not may_edit(request.user, macro):
        raise PermissionDenied(_("Vous ne pouvez pas modifier cette réponse type."))
    return _save(request, macro)


@staff_required
@require_POST
def macro_delete(request, pk: int):
    macro = get_object_or_404(manageable_macros(request.user), pk=pk)
    services.macro_delete(macro=macro, by=request.user)  # PermissionDenied → 403
    messages.success(request, _("Réponse type supprimée."))
    return redirect("macros:list")


@staff_required
@require_GET
def picker(request, reference: str):
    """The select of the ticket page's entry form (loaded by htmx after the page)."""
    ticket = get_object_or_404(Ticket, reference=reference)
    return render(
        request,
        "macros/_picker.html",
        {"ticket": ticket, "macros": list(macros_for(request.user).only("pk", "name", "scope"))},
    )


@staff_required
@require_GET
def insert(request, reference: str):
    """The entry form's fields filled from the chosen macro (none chosen: left empty)."""
    ticket = get_object_or_404(
        Ticket.objects.select_related("client", "contact", "assignee__user"), reference=reference
    )
    macro = services.offered_macro(request.user, request.GET.get("macro"))
    initial = {}
    if macro is not None:
        initial = {
            "body": services.macro_render(macro=macro, ticket=ticket, by=request.user),
            "visibility": macro.visibility,
            "minutes_spent": macro.minutes_spent,
        }
    form = EntryForm(initial=initial, auto_id="id_entry_%s")
    return render(request, "macros/_entry_fields.html", {"form": form, "macro": macro})
