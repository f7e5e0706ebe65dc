"""Back-office screens of the service managers: their portfolio, the steering committees, and
the centre manager's assignment page. Thin: policy, form, service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.access import policy_required
from clients.models import Client
from oceanis.forms import add_service_errors
from staff import policy
from staff.policy import Action

from .forms import ActionFields, ActionForm, AssignmentForm, CommitteeForm
from .models import Assignment, AssignmentRecord
from .selectors import action_of, committee_detail, committees_of, portfolio_cards, visible_clients
from .services import (
    committee_action_add,
    committee_action_set_done,
    committee_create,
    committee_update,
    portfolio_assign,
    portfolio_unassign,
)

portfolio_required = policy_required(Action.PORTFOLIO_VIEW)
assign_required = policy_required(Action.PORTFOLIO_ASSIGN)


@portfolio_required
def mine(request):
    """ "Mon portefeuille": one card per client (every active client for the managers)."""
    cards = portfolio_cards(visible_clients(request.user))
    return render(
        request,
        "portfolios/mine.html",
        {"cards": cards, "whole_centre": policy.is_manager_role(request.user)},
    )


def _client_for(request, client_pk: int, action: Action) -> Client:
    client = get_object_or_404(Client.objects.select_related("portfolio"), pk=client_pk)
    policy.check(request.user, action, client)
    return client


@portfolio_required
def client_committees(request, client_pk: int):
    client = _client_for(request, client_pk, Action.PORTFOLIO_VIEW)
    return render(
        request,
        "portfolios/committees.html",
        {
            "client": client,
            "committees": committees_of(client),
            "may_write": policy.allows(request.user, Action.STEERING_MANAGE, client),
        },
    )


@portfolio_required
@require_http_methods(["GET", "POST"])
def committee_new(request, client_pk: int):
    client = _client_for(request, client_pk, Action.STEERING_MANAGE)
    form = CommitteeForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = form.draft()
        try:
            committee = committee_create(
                client=client,
                held_on=data["held_on"],
                by=request.user,
                staff_attendees=list(data["staff_attendees"]),
                contact_attendees=list(data["contact_attendees"]),
                other_attendees=data["other_attendees"],
                decisions=data["decisions"],
                actions=[draft] if draft else [],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Comité de pilotage enregistré."))
            return redirect("portfolios:committee", pk=committee.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "portfolios/committee_new.html",
        {
            "client": client,
            "form": form,
            "action_fields": [form[name] for name in ActionFields.prefix_fields],
        },
        status=status,
    )


@portfolio_required
@require_http_methods(["GET", "POST"])
def committee_edit(request, pk: int):
    """Attendees and decisions completed after the meeting; one more action may come with it."""
    committee = _committee_for(request, pk, Action.STEERING_MANAGE)
    client = committee.client
    initial = {
        "held_on": committee.held_on,
        "staff_attendees": list(committee.staff_attendees.all()),
        "contact_attendees": list(committee.contact_attendees.all()),
        "other_attendees": committee.other_attendees,
        "decisions": committee.decisions,
    }
    form = CommitteeForm(request.POST or None, client=client, initial=initial)
    form.fields["description"].label = _("Nouvelle action (facultatif)")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = form.draft()
        try:
            with transaction.atomic():
                committee_update(
                    committee=committee,
                    by=request.user,
                    held_on=data["held_on"],
                    staff_attendees=list(data["staff_attendees"]),
                    contact_attendees=list(data["contact_attendees"]),
                    other_attendees=data["other_attendees"],
                    decisions=data["decisions"],
                )
                if draft is not None:
                    committee_action_add(committee=committee, by=request.user, draft=draft)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Comité de pilotage mis à jour."))
            return redirect("portfolios:committee", pk=committee.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "portfolios/committee_new.html",
        {
            "client": client,
            "committee": committee,
            "form": form,
            "action_fields": [form[name] for name in ActionFields.prefix_fields],
        },
        status=status,
    )


def _committee_for(request, pk: int, action: Action):
    committee = committee_detail(pk)
    if committee is None:
        raise Http404
    policy.check(request.user, action, committee.client)
    return committee


@portfolio_required
def committee(request, pk: int):
    committee = _committee_for(request, pk, Action.PORTFOLIO_VIEW)
    may_write = policy.allows(request.user, Action.STEERING_MANAGE, committee.client)
    return render(
        request,
        "portfolios/committee.html",
        {
            "committee": committee,
            "client": committee.client,
            "may_write": may_write,
            "action_form": ActionForm(client=committee.client) if may_write else None,
        },
    )


@portfolio_required
@require_POST
def action_add(request, pk: int):
    committee = _committee_for(request, pk, Action.STEERING_MANAGE)
    form = ActionForm(request.POST, client=committee.client)
    if form.is_valid():
        draft = form.draft()
        try:
            if draft is None:
                raise ValidationError(_("Décrivez l'action."))
            committee_action_add(committee=committee, by=request.user, draft=draft)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Action ajoutée."))
            return redirect("portfolios:committee", pk=committee.pk)
    return render(
        request,
        "portfolios/committee.html",
        {
            "committee": committee,
            "client": committee.client,
            "may_write": True,
            "action_form": form,
        },
        status=400,
    )


@portfolio_required
@require_POST
def action_done(request, pk: int):
    action = action_of(pk)
    if action is None:
        raise Http404
    committee_action_set_done(action=action, by=request.user, done=request.POST.get("done") == "1")
    return redirect("portfolios:committee", pk=action.committee_id)


@assign_required
def assignments(request):
    """The centre manager's page: every active client, its service manager and backup."""
    clients = Client.objects.filter(is_active=True).select_related(
        "portfolio__service_manager", "portfolio__backup", "portfolio__assigned_by"
    )
    rows = []
    for client in clients.order_by("name"):
        assignment = _assignment(client)
        initial = (
            {"service_manager": assignment.service_manager_id, "backup": assignment.backup_id}
            if assignment
            else {}
        )
        rows.append((client, assignment, AssignmentForm(initial=initial, prefix=f"c{client.pk}")))
    history = AssignmentRecord.objects.select_related("client", "service_manager", "backup", "by")[
        :20
    ]
    return render(request, "portfolios/assignments.html", {"rows": rows, "history": history})


def _assignment(client: Client) -> Assignment | None:
    try:
        return client.portfolio
    except Assignment.DoesNotExist:
        return None


@assign_required
@require_POST
def assign(request, client_pk: int):
    client = get_object_or_404(Client, pk=client_pk)
    form = AssignmentForm(request.POST, prefix=f"c{client.pk}")
    if form.is_valid():
        manager, backup = form.cleaned_data["service_manager"], form.cleaned_data["backup"]
        try:
            if manager is None:
                portfolio_unassign(client=client, by=request.user)
            else:
                portfolio_assign(
                    client=client, service_manager=manager, backup=backup, by=request.user
                )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, f"{client.name} : {message}")
        else:
            messages.success(
                request, _("Portefeuille de %(client)s enregistré.") % {"client": client.name}
            )
    else:
        for errors in form.errors.values():
            messages.error(request, f"{client.name} : {' '.join(str(e) for e in errors)}")
    return redirect("portfolios:assignments")
