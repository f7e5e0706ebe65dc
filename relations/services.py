"""Writes of links and merges. Ticket changes go through ``tickets.services`` only.

A merge never rewrites history: the ticket event log is append-only, so "moving" the source's
entries means copying each report, note and received mail into the target's log as a new event
that names its origin (``payload.merged_from``, ``origin_event``, ``origin_at``, the original
author), written without an actor so the copies neither count as a fresh client message nor as
a fresh answer of ours. The source keeps its whole history, is cancelled with the reason (a
public event telling its contacts, see ``notifications``), and points to the target. Time spent
stays on the source's entries (copies carry ``origin_minutes``), so reports never count it twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import KnownMessageId
from oceanis.transitions import lock_for_update
from staff import policy
from staff.policy import Action
from tickets.attachments import attachment_add
from tickets.models import NOT_TAKEN_STATES, Channel, EventKind, State, Ticket, TicketEvent
from tickets.services import (
    ticket_add_entry,
    ticket_cancel,
    ticket_create,
    ticket_watcher_add,
)

from .models import LinkKind, TicketLink, TicketMerge

if TYPE_CHECKING:
    from django.contrib.auth.models import User

COPIED_KINDS = (EventKind.REPORT, EventKind.NOTE, EventKind.EMAIL_IN)


def _check_staff(by: User | None) -> None:
    policy.check(by, Action.BACKOFFICE)


def _describe(ticket: Ticket) -> dict:
    return {"id": ticket.pk, "reference": ticket.reference}


def link_create(
    *, source: Ticket, target: Ticket, kind: str, by: User | None, public: bool = True
) -> TicketLink:
    """Link two tickets (staff only); each ticket's log gets an internal note saying so."""
    _check_staff(by)
    kind = LinkKind(kind)
    if source.pk == target.pk:
        raise ValidationError({"target": _("Une demande ne peut pas être liée à elle-même.")})
    for ticket in (source, target):
        if ticket.state == State.CANCELLED:
            raise ValidationError(
                {"target": _("La demande %(ref)s est annulée.") % {"ref": ticket.reference}}
            )
    with transaction.atomic():
        first, second = sorted((source, target), key=lambda t: t.pk)
        lock_for_update(first), lock_for_update(second)
        if TicketLink.objects.filter(source=source, target=target).exists() or (
            TicketLink.objects.filter(source=target, target=source).exists()
        ):
            raise ValidationError({"target": _("Ces deux demandes sont déjà liées.")})
        link = TicketLink.objects.create(
            source=source, target=target, kind=kind, public=public, created_by=by
        )
        payload = {"relation": {"kind": kind.value, "source": _describe(source)}}
        payload["relation"]["target"] = _describe(target)
        ticket_add_entry(
            ticket=source,
            by=by,
            public=False,
            body=_("Lien ajouté : %(kind)s %(ref)s.")
            % {"kind": kind.label, "ref": target.reference},
            payload=payload,
        )
        ticket_add_entry(
            ticket=target,
            by=by,
            public=False,
            body=_("Lien ajouté : %(ref)s %(kind)s cette demande.")
            % {"kind": kind.label, "ref": source.reference},
            payload=payload,
        )
    return link


def link_delete(*, link: TicketLink, by: User | None) -> None:
    _check_staff(by)
    with transaction.atomic():
        deleted, _rows = TicketLink.objects.filter(pk=link.pk).delete()
        if not deleted:
            return
        for ticket, other in ((link.source, link.target), (link.target, link.source)):
            if ticket.state != State.CANCELLED:
                ticket_add_entry(
                    ticket=ticket,
                    by=by,
                    public=False,
                    body=_("Lien retiré avec %(ref)s.") % {"ref": other.reference},
                    payload={"relation_removed": {"kind": link.kind, "other": _describe(other)}},
                )


def ticket_merge(*, source: Ticket, target: Ticket, by: User | None, reason: str) -> TicketMerge:
    """Merge ``source`` (a duplicate not taken in charge yet) into ``target`` of the same client.

    In one transaction: the source's entries and files are copied into the target's log (with
    their origin), its watchers and requester follow the target, the Message-IDs of its mail
    thread now lead to the target (a reply to an old mail lands there), a public
    "duplicate of" link is set, and the source is cancelled with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de la fusion.")})
    _check_merge(source, target)
    # The same rule as cancelling it, asked before anything is copied.
    policy.check(by, Action.TICKET_CANCEL, source)
    with transaction.atomic():
        first, second = sorted((source, target), key=lambda t: t.pk)
        lock_for_update(first), lock_for_update(second)
        source.refresh_from_db()
        target.refresh_from_db()
        _check_merge(source, target)
        copied, files = _copy_entries(source, target, by)
        watchers = _carry_watchers(source, target, by)
        moved_ids = KnownMessageId.objects.filter(ticket=source).update(ticket=target)
        TicketLink.objects.filter(source=target, target=source).delete()
        TicketLink.objects.update_or_create(
            source=source,
            target=target,
            defaults={"kind": LinkKind.DUPLICATE_OF, "public": True, "created_by": by},
        )
        merge = TicketMerge.objects.create(
            source=source,
            target=target,
            reason=reason,
            merged_by=by,
            merged_at=timezone.now(),
            summary={
                "entries": copied,
                "attachments": files,
                "watchers": watchers,
                "message_ids": moved_ids,
            },
        )
        ticket_add_entry(
            ticket=target,
            by=by,
            public=False,
            body=_("Demande %(ref)s fusionnée dans celle-ci : %(reason)s")
            % {"ref": source.reference, "reason": reason},
            payload={"merge": {"source": _describe(source), "entries": len(copied)}},
        )
        ticket_cancel(
            ticket=source,
            by=by,
            reason=_("Fusionnée dans %(ref)s : %(reason)s")
            % {"ref": target.reference, "reason": reason},
            payload={"merged_into": _describe(target)},
        )
    return merge


def _check_merge(source: Ticket, target: Ticket) -> None:
    if source.pk == target.pk:
        raise ValidationError(
            {"target": _("Une demande ne peut pas être fusionnée avec elle-même.")}
        )
    if source.client_id != target.client_id:
        # The target's contacts would read the source's conversation: same client only.
        raise ValidationError({"target": _("Seules deux demandes du même client se fusionnent.")})
    if TicketMerge.objects.filter(source=source).exists():
        raise ValidationError({"target": _("Cette demande a déjà été fusionnée.")})
    if source.state not in NOT_TAKEN_STATES:
        raise ValidationError(
            {
                "target": _(
                    "Seule une demande pas encore prise en charge peut être fusionnée (elle est "
                    "annulée) : %(ref)s est « %(state)s »."
                )
                % {"ref": source.reference, "state": source.get_state_display()}
            }
        )
    if target.state in (State.CANCELLED, State.CLOSED):
        raise ValidationError(
            {
                "target": _("La demande %(ref)s est « %(state)s » : choisissez une demande active.")
                % {"ref": target.reference, "state": target.get_state_display()}
            }
        )


def _copy_entries(source: Ticket, target: Ticket, by: User | None) -> tuple[list[int], int]:
    """Copy the source's description, entries and files into the target's log."""
    copied: list[int] = []
    files = 0
    if source.description.strip():
        ticket_add_entry(
            ticket=target,
            by=None,
            public=True,
            body=_("[Repris de %(ref)s · demande initiale] %(title)s\n\n%(text)s")
            % {"ref": source.reference, "title": source.title, "text": source.description},
            payload={"merged_from": source.reference, "origin": "description"},
        )
    events = (
        source.events.filter(kind__in=COPIED_KINDS)
        .select_related("actor")
        .prefetch_related("attachments")
        .order_by("at", "pk")
    )
    for event in events:
        copy = ticket_add_entry(
            ticket=target,
            by=None,
            public=event.public,
            kind=EventKind.REPORT if event.public else EventKind.NOTE,
            body=_origin_line(source, event) + "\n\n" + event.body,
            payload={
                "merged_from": source.reference,
                "origin_event": event.pk,
                "origin_kind": event.kind,
                "origin_at": event.at.isoformat(),
                "origin_actor": _author(event),
                "origin_minutes": event.minutes_spent,
            },
        )
        copied.append(event.pk)
        for attachment in event.attachments.all():
            files += _copy_file(attachment, target, copy, by)
    # Files added without an entry (inbound mail stores them on the mail's event; older rows).
    for attachment in source.attachments.filter(event__isnull=True):
        files += _copy_file(attachment, target, None, by)
    return copied, files


def _copy_file(attachment, target: Ticket, event: TicketEvent | None, by) -> int:
    try:
        with attachment.file.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        return 0
    attachment_add(
        ticket=target,
        name=attachment.original_name,
        content=content,
        by=by,
        event=event,
        public=attachment.public,
        content_type=attachment.content_type,
    )
    return 1


def _origin_line(source: Ticket, event: TicketEvent) -> str:
    at = timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M")
    return _("[Repris de %(ref)s · %(kind)s · %(who)s · %(at)s]") % {
        "ref": source.reference,
        "kind": EventKind(event.kind).label,
        "who": _author(event),
        "at": at,
    }


def _author(event: TicketEvent) -> str:
    if event.kind == EventKind.EMAIL_IN and event.payload.get("from"):
        return event.payload["from"]
    if event.actor_id and event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return "Oceanis"


def _carry_watchers(source: Ticket, target: Ticket, by: User | None) -> int:
    """The source's watchers, and its requester, now follow the target (its mails reach them)."""
    added = 0
    people = [(w.user, w.contact) for w in source.watchers.select_related("user", "contact")]
    if source.contact_id and source.contact_id != target.contact_id:
        people.append((None, source.contact))
    for user, contact in people:
        if contact is not None and (not contact.is_active or contact.client_id != target.client_id):
            continue
        if user is not None and not (user.is_active and user.is_staff):
            continue
        ticket_watcher_add(ticket=target, by=by, user=user, contact=contact)
        added += 1
    return added


def ticket_split_entry(
    *, ticket: Ticket, event: TicketEvent, by: User | None, title: str, public: bool = True
) -> Ticket:
    """Open a new ticket from one entry of ``ticket`` (a second subject raised in a report or
    a mail): same client, contact, site and urgency, the entry's text as description, a link
    "liée à" between both, and a note on the original naming the new reference."""
    _check_staff(by)
    if event.ticket_id != ticket.pk or event.kind not in COPIED_KINDS:
        raise ValidationError({"event": _("Cette entrée ne peut pas être scindée.")})
    if not event.public and public:
        # An internal note must not become a ticket the client reads in the extranet.
        public = False
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Indiquez l'objet de la nouvelle demande.")})
    if ticket.state == State.CANCELLED:
        raise ValidationError({"event": _("La demande est annulée.")})
    with transaction.atomic():
        created = ticket_create(
            client=ticket.client,
            contact=ticket.contact,
            site=ticket.site,
            title=title[:255],
            urgency=ticket.urgency,
            channel=Channel.TECHNICIAN,
            by=by,
            description=_("%(origin)s\n\n%(text)s")
            % {"origin": _origin_line(ticket, event), "text": event.body},
        )
        TicketLink.objects.create(
            source=created,
            target=ticket,
            kind=LinkKind.RELATED_TO,
            public=public,
            created_by=by,
        )
        ticket_add_entry(
            ticket=ticket,
            by=by,
            public=False,
            body=_("Entrée du %(at)s scindée en une nouvelle demande : %(ref)s.")
            % {
                "at": timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M"),
                "ref": created.reference,
            },
            payload={"split": {"event": event.pk, "ticket": _describe(created)}},
        )
    return created
