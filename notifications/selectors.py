"""Reads of the triage queue: mails waiting for a person, decisions taken, the counter."""

from __future__ import annotations

from email.utils import parseaddr

from django.db.models import QuerySet

from clients.models import Client, Contact

from .models import InboundMessage, TriageDecision

# The queue shows what a person needs to decide, never the raw bytes or the sanitised HTML.
_LIST_FIELDS = ("pk", "received_at", "sender", "subject", "status", "error", "source")


def triage_queue() -> QuerySet[InboundMessage]:
    """Mails "À trier", oldest first (the next one to decide on top)."""
    return (
        InboundMessage.objects.filter(status=InboundMessage.Status.TRIAGE)
        .only(*_LIST_FIELDS)
        .order_by("received_at", "pk")
    )


def triage_count() -> int:
    """The counter shown beside the bell (one indexed count)."""
    return InboundMessage.objects.filter(status=InboundMessage.Status.TRIAGE).count()


def recent_decisions(limit: int = 20) -> list[TriageDecision]:
    """The audit of the queue: latest decisions, who and when."""
    return list(
        TriageDecision.objects.select_related("by", "ticket", "contact", "message")
        .only(
            "pk",
            "action",
            "at",
            "note",
            "contact_created",
            "by__username",
            "by__first_name",
            "by__last_name",
            "ticket__reference",
            "contact__first_name",
            "contact__last_name",
            "message__subject",
            "message__sender",
        )
        .order_by("-at", "-pk")[:limit]
    )


def triage_message(pk: int) -> InboundMessage | None:
    return (
        InboundMessage.objects.filter(pk=pk)
        .defer("raw", "body_html")
        .select_related("ticket", "triage_decision__by")
        .first()
    )


def suggested_clients(message: InboundMessage) -> list[Client]:
    """Clients that already have contacts at the sender's mail domain (a likely match)."""
    address = parseaddr(message.sender)[1].lower()
    domain = address.rpartition("@")[2]
    if not domain:
        return []
    ids = (
        Contact.objects.filter(email__iendswith=f"@{domain}", client__is_active=True)
        .values_list("client_id", flat=True)
        .distinct()
    )
    return list(Client.objects.filter(pk__in=ids).order_by("name")[:5])
