"""Writes of portfolios and steering committees; every door (back-office, admin, seed) calls these.

Each service asks ``staff.policy`` first: assignment is the centre manager's and the deputy's
(``PORTFOLIO_ASSIGN``), committees are the client's service manager's (or backup's) and the
managers' (``STEERING_MANAGE``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, Contact
from staff import policy
from staff.models import SERVICE_MANAGER_GROUP
from staff.policy import Action

from .models import Assignment, AssignmentRecord, CommitteeAction, SteeringCommittee


def _require_service_manager(user, field: str) -> None:
    if not (
        user.is_active and user.is_staff and user.groups.filter(name=SERVICE_MANAGER_GROUP).exists()
    ):
        raise ValidationError(
            {field: _("%(name)s n'est pas service manager.") % {"name": _name(user)}}
        )


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def portfolio_assign(*, client: Client, service_manager, backup=None, by) -> Assignment:
    """Put ``client`` in ``service_manager``'s portfolio (replacing any previous one)."""
    policy.check(by, Action.PORTFOLIO_ASSIGN, client)
    _require_service_manager(service_manager, "service_manager")
    if backup is not None:
        _require_service_manager(backup, "backup")
        if backup.pk == service_manager.pk:
            raise ValidationError({"backup": _("Le suppléant doit être un autre service manager.")})
    now = timezone.now()
    assignment, _created = Assignment.objects.update_or_create(
        client=client,
        defaults={
            "service_manager": service_manager,
            "backup": backup,
            "assigned_by": by,
            "assigned_at": now,
        },
    )
    AssignmentRecord.objects.create(
        client=client, service_manager=service_manager, backup=backup, by=by, at=now
    )
    return assignment


@transaction.atomic
def portfolio_unassign(*, client: Client, by) -> None:
    """Take ``client`` out of any portfolio (recorded with no service manager)."""
    policy.check(by, Action.PORTFOLIO_ASSIGN, client)
    deleted, _rows = Assignment.objects.filter(client=client).delete()
    if deleted:
        AssignmentRecord.objects.create(client=client, by=by, at=timezone.now())


@dataclass(frozen=True)
class ActionDraft:
    """One action to record: exactly one kind of owner is expected (or none)."""

    description: str
    owner_user: Any = None  # a staff User
    owner_contact: Contact | None = None
    owner_name: str = ""
    due_date: dt.date | None = None


def _check_contacts(client: Client, contacts: Iterable[Contact], field: str) -> None:
    if any(contact.client_id != client.pk for contact in contacts):
        raise ValidationError({field: _("Ce contact n'appartient pas au client.")})


def _action_row(committee: SteeringCommittee, draft: ActionDraft) -> CommitteeAction:
    description = draft.description.strip()
    if not description:
        raise ValidationError({"description": _("Décrivez l'action.")})
    owners = [
        o for o in (draft.owner_user, draft.owner_contact, draft.owner_name.strip() or None) if o
    ]
    if len(owners) > 1:
        raise ValidationError({"owner_name": _("Une action n'a qu'un porteur.")})
    if draft.owner_contact is not None:
        _check_contacts(committee.client, [draft.owner_contact], "owner")
    if draft.owner_user is not None and not getattr(draft.owner_user, "is_staff", False):
        raise ValidationError({"owner": _("Le porteur Oceanis doit être un intervenant.")})
    return CommitteeAction(
        committee=committee,
        description=description[:500],
        owner_user=draft.owner_user,
        owner_contact=draft.owner_contact,
        owner_name=draft.owner_name.strip()[:200],
        due_date=draft.due_date,
    )


@transaction.atomic
def committee_create(
    *,
    client: Client,
    held_on: dt.date,
    by,
    staff_attendees: Sequence = (),
    contact_attendees: Sequence[Contact] = (),
    other_attendees: str = "",
    decisions: str = "",
    actions: Sequence[ActionDraft] = (),
) -> SteeringCommittee:
    """Record a steering committee held with ``client``, with its first actions."""
    policy.check(by, Action.STEERING_MANAGE, client)
    _check_contacts(client, contact_attendees, "contact_attendees")
    if any(not user.is_staff for user in staff_attendees):
        raise ValidationError({"staff_attendees": _("Seuls les intervenants Oceanis.")})
    committee = SteeringCommittee.objects.create(
        client=client,
        held_on=held_on,
        other_attendees=other_attendees.strip(),
        decisions=decisions.strip(),
        created_by=by,
    )
    committee.staff_attendees.set(staff_attendees)
    committee.contact_attendees.set(contact_attendees)
    CommitteeAction.objects.bulk_create([_action_row(committee, draft) for draft in actions])
    return committee


@transaction.atomic
def committee_update(
    *,
    committee: SteeringCommittee,
    by,
    held_on: dt.date,
    staff_attendees: Sequence = (),
    contact_attendees: Sequence[Contact] = (),
    other_attendees: str = "",
    decisions: str = "",
) -> SteeringCommittee:
    policy.check(by, Action.STEERING_MANAGE, committee.client)
    _check_contacts(committee.client, contact_attendees, "contact_attendees")
    committee.held_on = held_on
    committee.other_attendees = other_attendees.strip()
    committee.decisions = decisions.strip()
    committee.save()
    committee.staff_attendees.set(staff_attendees)
    committee.contact_attendees.set(contact_attendees)
    return committee


def committee_action_add(
    *, committee: SteeringCommittee, by, draft: ActionDraft
) -> CommitteeAction:
    policy.check(by, Action.STEERING_MANAGE, committee.client)
    row = _action_row(committee, draft)
    row.save()
    return row


def committee_action_set_done(
    *, action: CommitteeAction, by, done: bool, on: dt.date | None = None
) -> CommitteeAction:
    """Mark an action done (dated, today in Paris by default) or open again."""
    policy.check(by, Action.STEERING_MANAGE, action.committee.client)
    action.done = done
    action.done_on = (on or timezone.localdate()) if done else None
    action.save(update_fields=["done", "done_on"])
    return action
