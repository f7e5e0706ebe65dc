"""Tickets and projects: a ticket's project link, and L3 escalations aimed at a BUILD engineer.

Tickets are written only through ``tickets.services``: the link lives in this app's side table
(``TicketProject``) and the explanation goes on the ticket's timeline as an internal note. The
ticket's free "matériel ou projet" text is left as typed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from staff.models import Team, Technician
from tickets import services as ticket_services
from tickets.models import EscalationLevel, Ticket
from tickets.models import State as TicketState

from .models import BuildEscalation, EventKind, Project, TicketProject
from .services import record_event


def ticket_link_project(*, ticket: Ticket, project: Project, by) -> TicketProject:
    """Attach a ticket to one of its client's projects (replacing a previous link).

    Leaves an internal note on the ticket and an event on the project. Linking again to the same
    project changes nothing.
    """
    if project.client_id != ticket.client_id:
        raise ValidationError({"project": _("Ce projet appartient à un autre client.")})
    if ticket.state == TicketState.CANCELLED:
        raise ValidationError(_("Une demande annulée ne se rattache pas à un projet."))
    with transaction.atomic():
        link = TicketProject.objects.select_for_update().filter(ticket=ticket).first()
        if link is not None and link.project_id == project.pk:
            return link
        previous = link.project if link is not None else None
        if link is None:
            link = TicketProject(ticket=ticket)
        link.project = project
        link.linked_by = by
        link.save()
        body = _("Demande rattachée au projet « %(project)s ».") % {"project": project.name}
        if previous is not None:
            body += " " + _("(auparavant : « %(previous)s »)") % {"previous": previous.name}
        ticket_services.ticket_add_entry(
            ticket=ticket,
            by=by,
            body=body,
            public=False,
            payload={"project": project.pk, "previous_project": previous.pk if previous else None},
        )
        record_event(
            project,
            EventKind.TICKET_LINK,
            by=by,
            note=f"{ticket.reference} – {ticket.title}",
            payload={"ticket": ticket.pk, "reference": ticket.reference},
        )
    return link


def project_of(ticket: Ticket) -> Project | None:
    link = TicketProject.objects.filter(ticket=ticket).select_related("project").first()
    return link.project if link else None


def suggested_project(ticket: Ticket) -> Project | None:
    """The client's project whose name is the ticket's "matériel ou projet" text, if any.

    Turns the free qualification into a proposed real link; never links by itself.
    """
    text = (ticket.equipment or "").strip()
    if not text:
        return None
    return Project.objects.filter(client_id=ticket.client_id, name__iexact=text).first()


def escalate_to_build_engineer(
    *, ticket: Ticket, engineer: Technician, by, reason: str
) -> BuildEscalation:
    """Escalate a ticket to level 3 aimed at one BUILD engineer; the owner does not change.

    The escalation itself goes through ``tickets.services.ticket_escalate`` (which names the
    engineer as the ticket's resolver); a ticket already at level 3 keeps its level and the new
    engineer becomes its resolver. Either way the target is recorded here and explained in an
    internal note on the ticket (with the linked project, when there is one).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de l'escalade.")})
    if engineer.team != Team.BUILD:
        raise ValidationError(
            {"engineer": _("%(engineer)s n'est pas un ingénieur BUILD.") % {"engineer": engineer}}
        )
    with transaction.atomic():
        if ticket.escalation_level < EscalationLevel.L3:
            ticket_services.ticket_escalate(
                ticket=ticket, by=by, reason=reason, level=EscalationLevel.L3, resolver=engineer
            )
        else:
            ticket_services.ticket_set_resolver(
                ticket=ticket, by=by, resolver=engineer, reason=reason
            )
        escalation = BuildEscalation.objects.create(
            ticket=ticket, engineer=engineer, reason=reason, by=by
        )
        project = project_of(ticket)
        body = _("Escalade N3 : expertise demandée à %(engineer)s (BUILD). Motif : %(reason)s") % {
            "engineer": engineer,
            "reason": reason,
        }
        if project is not None:
            body += "\n" + _("Projet : %(project)s") % {"project": project.name}
        ticket_services.ticket_add_entry(
            ticket=ticket,
            by=by,
            body=body,
            public=False,
            payload={"build_engineer": engineer.pk, "build_escalation": escalation.pk},
        )
        if project is not None:
            record_event(
                project,
                EventKind.ESCALATION,
                by=by,
                note=f"{ticket.reference} → {engineer}: {reason}",
                payload={"ticket": ticket.pk, "engineer": engineer.pk},
            )
    return escalation
