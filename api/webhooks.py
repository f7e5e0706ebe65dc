"""Outgoing webhooks: which subscriptions a ticket event concerns, signing, one delivery attempt.

A ticket event fans out into one ``WebhookDelivery`` row per interested subscription (unique
per subscription and event, so a replayed fan-out creates nothing twice). Each attempt POSTs
the frozen JSON body with::

    X-Oceanis-Event: ticket.state_changed
    X-Oceanis-Delivery: 1234
    X-Oceanis-Signature: t=1767225600,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

Receivers recompute the HMAC over ``"{t}.{raw body}"`` with their secret, compare in constant
time and reject stale timestamps (replays). Failures are retried with exponential backoff
(``WEBHOOK_RETRY_BASE_SECONDS`` doubled each time) up to ``WEBHOOK_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from oceanis import outbound
from tickets.models import EventKind, State, TicketEvent

from .models import WebhookDelivery, WebhookEvent, WebhookSubscription

RELEVANT_KINDS = (EventKind.CREATED, EventKind.TRANSITION, EventKind.ASSIGNED)
CLAIM_LEASE = timedelta(minutes=5)  # an attempt that crashed mid-way is retried after this


def event_types(event: TicketEvent) -> list[str]:
    """Webhook types of a ticket event, most specific first (empty: not a webhook event)."""
    if event.kind == EventKind.CREATED:
        return [WebhookEvent.CREATED]
    if event.kind not in RELEVANT_KINDS or not event.to_state or event.from_state == event.to_state:
        return []
    types = []
    if event.to_state == State.IN_PROGRESS and event.from_state in (State.NEW, State.ASSIGNED):
        types.append(WebhookEvent.TAKEN)
    elif event.to_state == State.CLOSED:
        types.append(WebhookEvent.CLOSED)
    return [*types, WebhookEvent.STATE_CHANGED]


def event_payload(event: TicketEvent, event_type: str) -> dict:
    ticket = event.ticket
    return {
        "type": event_type,
        "event_id": event.pk,
        "occurred_at": event.at,
        "ticket": {
            "reference": ticket.reference,
            "client": ticket.client.code,
            "title": ticket.title,
            "urgency": ticket.urgency,
            "state": event.to_state or ticket.state,
            "assignee": ticket.assignee_id,
            "gti_deadline": ticket.gti_deadline,
        },
        "transition": {"from": event.from_state, "to": event.to_state}
        if event.from_state
        else None,
    }


def fan_out(event_id: int) -> list[int]:
    """Create the delivery rows of one ticket event; returns the ids of pending ones to send."""
    event = TicketEvent.objects.select_related("ticket__client").filter(pk=event_id).first()
    if event is None:
        return []
    types = event_types(event)
    if not types:
        return []
    subscriptions = WebhookSubscription.objects.filter(active=True).filter(
        Q(client__isnull=True) | Q(client_id=event.ticket.client_id)
    )
    rows = []
    for subscription in subscriptions:
        if subscription.client_id is not None and not event.public:
            continue  # a client's integration never hears of internal events
        wanted = next((t for t in types if t in subscription.events), None)
        if wanted is None:
            continue
        payload = json.loads(json.dumps(event_payload(event, wanted), cls=DjangoJSONEncoder))
        rows.append(
            WebhookDelivery(
                subscription=subscription, event=event, event_type=wanted, payload=payload
            )
        )
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        WebhookDelivery.objects.filter(
            event=event, status=WebhookDelivery.Status.PENDING
        ).values_list("pk", flat=True)
    )


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def backoff(attempts: int) -> timedelta:
    """Delay after the n-th failed attempt: base, 2×base, 4×base… capped at 6 hours."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 6 * 3600))


def claim(delivery_id: int, now: datetime) -> bool:
    """Take the right to attempt a due delivery; the row count says who won."""
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + CLAIM_LEASE)
    )


def public_https_problem(url: str) -> str:
    """Why a client's endpoint is refused ("" when it is HTTPS on a public address)."""
    return outbound.problem(url, for_client=True)


def address_problem(url: str) -> str:
    """Why an Oceanis-wide endpoint is refused: the address policy, any scheme http(s)."""
    return outbound.problem(url)


def post_signed(
    subscription: WebhookSubscription, body: bytes, *, event_type: str, delivery: str, now
) -> tuple[int | None, str]:
    """POST a signed body to the subscription's URL: (HTTP status or None, error or "").

    The address is checked (again) at each delivery and the connection goes to the checked
    address (``oceanis.outbound``); a client's endpoint must also be HTTPS."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Oceanis-Webhooks/1",
        "X-Oceanis-Event": event_type,
        "X-Oceanis-Delivery": delivery,
        "X-Oceanis-Signature": sign(subscription.secret, body, int(now.timestamp())),
    }
    try:
        response = outbound.post(
            subscription.url,
            content=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            for_client=subscription.client_id is not None,
        )
    except outbound.OutboundRefused as exc:
        return None, str(exc)
    except httpx.HTTPError as exc:
        return None, (str(exc) or type(exc).__name__)[:1000]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    # A redirect is an answer, not an order: following it would let the endpoint send the
    # worker to an internal address. It counts as a failed attempt.
    return response.status_code, f"HTTP {response.status_code}"


def ping(subscription: WebhookSubscription, now: datetime | None = None) -> dict:
    """Send a signed test event now (not logged, not retried): what an integrator checks their
    endpoint and signature code with."""
    now = now or timezone.now()
    payload = {"event": "ping", "subscription": subscription.pk, "at": now.isoformat()}
    body = json.dumps(payload, separators=(",", ":")).encode()
    status, error = post_signed(subscription, body, event_type="ping", delivery="ping", now=now)
    return {"delivered": not error, "response_status": status, "error": error}


def attempt(delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """One delivery attempt if it is due (None otherwise); records the outcome.

    Returns the delivery; when still pending its ``next_attempt_at`` says when to retry.
    """
    now = now or timezone.now()
    if not claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status, error = post_signed(
        delivery.subscription,
        body,
        event_type=delivery.event_type,
        delivery=str(delivery.pk),
        now=now,
    )
    if not error:
        delivery.status = WebhookDelivery.Status.SENT
        delivery.delivered_at = now
        delivery.last_error = ""
    else:
        delivery.last_error = error
        if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "response_status",
            "status",
            "delivered_at",
            "last_error",
            "next_attempt_at",
        ]
    )
    return delivery


def due_deliveries(now: datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def recent_events(since: datetime) -> list[int]:
    """Ticket events a lost fan-out message may have skipped (fan-out is idempotent)."""
    if not WebhookSubscription.objects.filter(active=True).exists():
        return []
    return list(
        TicketEvent.objects.filter(at__gte=since, kind__in=RELEVANT_KINDS)
        .exclude(webhook_deliveries__isnull=False)
        .values_list("pk", flat=True)
    )
