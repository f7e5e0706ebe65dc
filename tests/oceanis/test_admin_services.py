"""No model with an event log can be saved from the Django admin without its event.

The walker finds every registered ModelAdmin whose model has a state machine (FSM field), is
itself an append-only log row, or has an append-only log pointing at it; it posts the change
form back with a modified value as a superuser, and requires that the change is refused or
that an event was written. A new such model registered in the admin without a builder here
fails the suite, so the promise cannot silently lose coverage.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMFieldMixin

from calendars import services as calendar_services
from calendars.models import CalendarChange
from changes import services as change_services
from identity import services as identity_services
from identity.models import FactorEvent
from oceanis.models import AppendOnlyModel
from portfolios import services as portfolio_services
from portfolios.models import AssignmentRecord
from projects import services as project_services
from tests.factories import (
    ClientFactory,
    ContractFactory,
    TechnicianFactory,
    make_manager,
    make_ticket,
)
from tests.portfolios.conftest import make_service_manager

pytestmark = pytest.mark.django_db


def _log_relations(model) -> list:
    return [
        rel
        for rel in model._meta.related_objects
        if rel.one_to_many and issubclass(rel.related_model, AppendOnlyModel)
    ]


def _has_event_log(model) -> bool:
    fsm = any(isinstance(field, FSMFieldMixin) for field in model._meta.fields)
    return fsm or issubclass(model, AppendOnlyModel) or bool(_log_relations(model))


EVENT_LOG_ADMINS = sorted(
    (model._meta.label for model in admin.site._registry if _has_event_log(model)),
)


def _project(**values):
    return project_services.project_create(
        client=ClientFactory(), name="VPN siège", kind="vpn", by=None, **values
    )


def _change():
    start = timezone.now() + dt.timedelta(days=2)
    return change_services.change_create(
        title="Firmware pare-feu",
        by=TechnicianFactory().user,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
        implementation_plan="Sauvegarde, mise à jour, tests",
        rollback_plan="Recharger la configuration",
    )


# How to get one instance of each model with an event log that is registered in the admin.
def _assignment_record():
    portfolio_services.portfolio_assign(
        client=ContractFactory().client,
        service_manager=make_service_manager("claire"),
        by=make_manager().user,
    )
    return AssignmentRecord.objects.latest("pk")


def _factor_event():
    identity_services.factors_reset(user=TechnicianFactory().user, by=make_manager().user)
    return FactorEvent.objects.latest("pk")


BUILDERS = {
    "tickets.Ticket": lambda: make_ticket(client=ContractFactory().client),
    "tickets.TicketEvent": lambda: make_ticket(client=ContractFactory().client).events.get(),
    "projects.Project": _project,
    "changes.Problem": lambda: change_services.problem_create(title="Lenteurs VPN", by=None),
    "changes.ChangeRequest": _change,
    "calendars.CalendarChange": lambda: (
        calendar_services.calendar_exception_add(
            kind="closure", day=dt.date(2026, 5, 15), label="Pont de l'Ascension"
        ),
        CalendarChange.objects.latest("pk"),
    )[1],
    "identity.FactorEvent": _factor_event,
    "portfolios.AssignmentRecord": _assignment_record,
}


def _events(obj) -> int:
    if isinstance(obj, AppendOnlyModel):
        return type(obj).objects.count()
    return sum(
        rel.related_model.objects.filter(**{rel.field.name: obj}).count()
        for rel in _log_relations(type(obj))
    )


def _snapshot(obj) -> dict:
    fresh = type(obj).objects.get(pk=obj.pk)
    return {field.attname: getattr(fresh, field.attname) for field in obj._meta.concrete_fields}


def _form_data(form) -> dict:
    """What a browser would post back for the form as rendered (initial values)."""
    data = {}
    for name, field in form.fields.items():
        key, value = form.add_prefix(name), form[name].value()
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[key] = "on"
        elif isinstance(field.widget, forms.MultiWidget):
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{key}_{index}"] = "" if part is None else part
        elif isinstance(value, list | tuple):
            data[key] = [getattr(v, "pk", v) for v in value]
        else:
            data[key] = "" if value is None else getattr(value, "pk", value)
    return data


def _modified(form, data: dict) -> dict:
    """Change the first editable text value, and try to move the state as well."""
    for name, field in form.fields.items():
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput):
            data[form.add_prefix(name)] = f"{data.get(form.add_prefix(name), '')} (modifié)"
            break
    data.setdefault("state", "closed")
    return data


def test_the_walker_finds_the_models_with_an_event_log():
    expected = {"tickets.Ticket", "tickets.TicketEvent", "projects.Project", "changes.Problem"}
    assert expected | {"changes.ChangeRequest"} <= set(EVENT_LOG_ADMINS)


@pytest.mark.parametrize("label", EVENT_LOG_ADMINS)
def test_saving_from_the_admin_is_refused_or_writes_an_event(admin_client, label):
    assert label in BUILDERS, f"{label} has an event log: add a builder to walk its admin"
    obj = BUILDERS[label]()
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = {}
    if page.context and "adminform" in page.context:
        form = page.context["adminform"].form
        data = _modified(form, _form_data(form))
        for inline in page.context["inline_admin_formsets"]:
            formset = inline.formset
            data.update(_form_data(formset.management_form))
            for subform in formset.forms:
                data.update(_form_data(subform))
    before, events = _snapshot(obj), _events(obj)

    response = admin_client.post(url, data)

    assert response.status_code in (200, 302, 403)
    changed = _snapshot(obj) != before
    assert not changed or _events(obj) > events, f"{label} saved from the admin without event"


def test_a_project_edit_in_the_admin_is_logged_with_its_changes(admin_client, admin_user):
    project = _project()
    url = reverse("admin:projects_project_change", args=[project.pk])
    form = admin_client.get(url).context["adminform"].form
    data = _form_data(form)
    page = admin_client.get(url)
    for inline in page.context["inline_admin_formsets"]:
        data.update(_form_data(inline.formset.management_form))
    data.update({"name": "VPN siège et agences", "state": "closed"})

    response = admin_client.post(url, data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "VPN siège et agences" and project.state == "ordered"
    event = project.events.get(kind="updated")
    assert event.actor == admin_user
    assert event.payload["changes"]["name"] == ["VPN siège", "VPN siège et agences"]


def test_a_project_created_in_the_admin_starts_its_history(admin_client, admin_user):
    client = ClientFactory()
    url = reverse("admin:projects_project_add")
    page = admin_client.get(url)
    data = _form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data.update(_form_data(inline.formset.management_form))
    data.update({"client": client.pk, "name": "Colocation baie 12", "kind": "colocation"})

    response = admin_client.post(url, data)

    assert response.status_code == 302
    project = client.projects.get()
    assert project.name == "Colocation baie 12"
    assert list(project.events.values_list("kind", "actor")) == [("created", admin_user.pk)]


def test_project_lifecycle_moves_from_the_admin_call_the_service(admin_client, admin_user):
    project = _project()
    changelist = reverse("admin:projects_project_changelist")
    base = {"action": "transition", "_selected_action": [project.pk], "apply": "1"}

    admin_client.post(changelist, {**base, "svc-action": "plan", "svc-note": ""})
    refused = admin_client.post(
        changelist, {**base, "svc-action": "cancel", "svc-note": ""}, follow=True
    )

    project.refresh_from_db()
    assert project.state == "planning"
    transition = project.events.get(kind="transition")
    assert transition.actor == admin_user and transition.payload == {"action": "plan"}
    assert refused.status_code == 200 and "Indiquez le motif" in refused.content.decode()
    admin_client.post(changelist, {**base, "svc-action": "go_live", "svc-note": ""})
    project.refresh_from_db()
    assert project.state == "planning"


def test_projects_and_their_history_cannot_be_deleted_from_the_admin(admin_client):
    project = _project()
    assert (
        admin_client.get(reverse("admin:projects_project_delete", args=[project.pk])).status_code
        == 403
    )
    page = admin_client.get(reverse("admin:projects_project_changelist")).content.decode()
    assert "delete_selected" not in page
    admin_client.post(
        reverse("admin:projects_project_changelist"),
        {"action": "delete_selected", "_selected_action": [project.pk], "post": "yes"},
    )
    assert type(project).objects.filter(pk=project.pk).exists()
