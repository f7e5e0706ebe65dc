"""Admin actions that write through a service function, with a form page when they need input.

The Django admin is a raw view for the manager: models with an event log are read-only there,
and every change goes through one of these actions, which calls the same service as the
back-office (so the event is written and the rules are the same). A refused change (wrong state,
missing reason, policy) becomes an admin message for that object, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# Errors a service raises to refuse a change; anything else is a bug and must surface.
REFUSALS: tuple[type[Exception], ...] = (ValidationError, PermissionDenied)

FORM_PREFIX = "svc"


def refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("Action refusée.")


def service_action(
    *,
    description: str,
    perform: Callable,
    form: Callable | None = None,
    refusals: tuple[type[Exception], ...] = (),
    permission: str = "workflow",
):
    """Build an admin action calling ``perform(request, obj, **cleaned_data)`` per object.

    ``form(modeladmin, request, queryset)`` returns the form class asking the action's input
    (or None for none); the action then shows a page with that form before doing anything.
    ``refusals`` are the service's own "not allowed" exceptions, reported like validation errors.
    """
    caught = REFUSALS + tuple(refusals)

    def action(modeladmin, request, queryset):
        form_class = form(modeladmin, request, queryset) if form else None
        data: dict = {}
        if form_class is not None:
            bound = form_class(
                request.POST if "apply" in request.POST else None, prefix=FORM_PREFIX
            )
            if not bound.is_bound or not bound.is_valid():
                return _form_page(modeladmin, request, queryset, bound, description)
            data = bound.cleaned_data
        done = 0
        for obj in queryset:
            try:
                perform(request, obj, **data)
            except caught as exc:
                modeladmin.message_user(request, f"{obj} : {refusal_text(exc)}", messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request,
                ngettext(
                    "« %(action)s » : %(count)d élément traité.",
                    "« %(action)s » : %(count)d éléments traités.",
                    done,
                )
                % {"action": description, "count": done},
                messages.SUCCESS,
            )
        return _back(request)

    action.__name__ = perform.__name__.lstrip("_")
    return admin.action(description=description, permissions=[permission])(action)


def _back(request):
    """Back to the object's page when the action was started there, else the list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return None


def _form_page(modeladmin, request, queryset, form, title):
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "form": form,
        "objects": list(queryset[:50]),
        "count": queryset.count(),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_name": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "next": request.POST.get("next", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/service_action.html", context)


class NoteForm(forms.Form):
    """The common input of a workflow action: an optional or mandatory text."""

    note_label = gettext_lazy("Commentaire")
    note_required = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"] = forms.CharField(
            label=self.note_label,
            required=self.note_required,
            widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        )


def note_form(label: str, *, required: bool) -> type[forms.Form]:
    return type("ServiceNoteForm", (NoteForm,), {"note_label": label, "note_required": required})


class ServiceActionButtonsMixin:
    """The change page of an object offers its service actions as buttons."""

    change_form_template = "admin/service_actions_change_form.html"

    def service_action_available(self, obj, name: str) -> bool:
        """Whether the button makes sense in the object's state (the service decides anyway)."""
        return True

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        actions = [
            (name, description)
            for name, (_func, _name, description) in self.get_actions(request).items()
            if name != "delete_selected"
            and obj is not None
            and self.service_action_available(obj, name)
        ]
        extra_context = {**(extra_context or {}), "service_actions": actions}
        return super().change_view(request, object_id, form_url, extra_context)


class WorkflowPermissionMixin(ServiceActionButtonsMixin):
    """Workflow actions need the change permission, although the objects themselves are
    read-only in the admin (no change form, no delete)."""

    def has_workflow_permission(self, request) -> bool:
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """A history or child list shown for reading: it moves through its own services."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyMixin:
    """A ModelAdmin for rows written elsewhere (a service, a page): nothing is added, changed
    or deleted from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
