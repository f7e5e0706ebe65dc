"""Hand-over to RUN: at go-live a project creates or updates its client's managed-service contract.

The RUN terms (hours plan, GTI minutes per urgency, technicien référent) are captured on the
project beforehand (``run_*`` fields); going live refuses while any is missing. The contract in
force is updated in place when the client already has a managed-service one; otherwise a new one
starts on the go-live date and a "sans contrat d'infogérance" arrangement in force ends the day
before. Tickets keep the commitments frozen at their creation, so only new tickets see the change.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Contract
from oceanis.messages import Message

from ..models import EventKind, HandOver, Project
from . import record_event

# Project field → contract field, in the order shown to users.
RUN_TERMS = (
    ("run_hours_plan", "hours_plan"),
    ("run_gti_critical_minutes", "gti_critical_minutes"),
    ("run_gti_very_blocking_minutes", "gti_very_blocking_minutes"),
    ("run_gti_slightly_blocking_minutes", "gti_slightly_blocking_minutes"),
    ("run_gti_non_blocking_minutes", "gti_non_blocking_minutes"),
    ("run_referent", "referent"),
)


def missing_run_terms(project: Project) -> list[str]:
    """Labels of the RUN terms still to fill in before the project may go live."""
    missing = []
    for project_field, _contract_field in RUN_TERMS:
        field = Project._meta.get_field(project_field)
        if getattr(project, field.attname) in (None, ""):
            missing.append(str(field.verbose_name))
    return missing


def run_terms(project: Project) -> dict:
    """The contract values the project hands over (JSON-ready: the referent as its id)."""
    return {
        contract_field: getattr(project, Project._meta.get_field(project_field).attname)
        for project_field, contract_field in RUN_TERMS
    }


def _snapshot(contract: Contract) -> dict:
    return {
        contract_field: getattr(contract, Contract._meta.get_field(contract_field).attname)
        for _project_field, contract_field in RUN_TERMS
    }


def _managed_contract_in_force(project: Project, on: dt.date) -> Contract | None:
    return (
        Contract.objects.select_for_update()
        .filter(client_id=project.client_id, kind=Contract.Kind.MANAGED, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .order_by("-start_date", "-pk")
        .first()
    )


def hand_over_to_run(project: Project, *, by, at: dt.datetime | None = None) -> HandOver:
    """Create or update the client's managed-service contract from the project's RUN terms.

    Called by the go-live transition inside its transaction (the project row is locked). Raises
    ``ValidationError`` naming the missing terms; records a ``HandOver`` and a project event.
    """
    missing = missing_run_terms(project)
    if missing:
        raise ValidationError(
            _("Mise en production impossible : termes du contrat RUN à renseigner : %(fields)s.")
            % {"fields": ", ".join(missing)},
            code="run_terms_missing",
        )
    at = at or timezone.now()
    on = timezone.localdate(at)
    values = run_terms(project)
    contract = _managed_contract_in_force(project, on)
    previous: dict = {}
    if contract is not None:
        previous = _snapshot(contract)
        created = False
    else:
        contract = Contract(
            client_id=project.client_id,
            name=_("Contrat d'infogérance – %(project)s") % {"project": project.name},
            kind=Contract.Kind.MANAGED,
            billing=Contract.Billing.FLAT_FEE,
            start_date=on,
        )
        created = True
        # The arrangement without managed services ends where the managed contract begins.
        Contract.objects.filter(
            client_id=project.client_id, kind=Contract.Kind.NONE, start_date__lt=on
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=on)).update(
            end_date=on - dt.timedelta(days=1)
        )
    for project_field, contract_field in RUN_TERMS:
        setattr(contract, contract_field, getattr(project, project_field))
    contract.full_clean()
    contract.save()
    handover = HandOver.objects.create(
        project=project,
        contract=contract,
        contract_created=created,
        values=values,
        previous=previous,
        by=by,
        at=at,
    )
    record_event(
        project,
        EventKind.HANDOVER,
        by=by,
        at=at,
        note=Message(
            "project.contract_created" if created else "project.contract_updated",
            contract=contract.name,
        ),
        payload={
            "contract": contract.pk,
            "created": created,
            "values": values,
            "previous": previous,
        },
    )
    return handover
