"""Outgoing webhooks: which subscriptions a ticket event concerns, signing, one delivery attempt.

A ticket event fans out into one ``WebhookDelivery`` row per interested subscription IN THE
EVENT'S OWN TRANSACTION (a ``post_save`` reader of ``TicketEvent``): the rows commit with the
event or not at all, so a lost broker message or a worker down for hours only delays delivery —
the every-minute sweeper claims whatever is due (``oceanis.delivery``). Each attempt POSTs the
frozen JSON body with::

    X-Oceanis-Event: ticket.state_changed
    X-Oceanis-Delivery: 0b7e4c2a-5f0e-4d2b-9a51-3c8f1e6d7a90
    X-Oceanis-Signature: t=1767225600,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

``X-Oceanis-Delivery`` is the row's ``delivery_key``: the same on every attempt of a delivery.
Delivery is at least once (a worker that dies mid-attempt leaves a claim whose lease expires,
and the delivery is sent again), so receivers de-duplicate on it. Receivers recompute the HMAC
over ``"{t}.{raw body}"`` with their secret, compare in constant time and reject stale
timestamps (replays). Failures are retried with exponential backoff and jitter
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

from oceanis import delivery as outbox
from oceanis import outbound
from tickets.models import EventKind, State, TicketEvent

from ..models import WebhookDelivery, WebhookEvent, WebhookSubscription

RELEVANT_KINDS = (EventKind.CREATED, EventKind.TRANSITION, EventKind.ASSIGNED)
BACKOFF_CAP = timedelta(hours=6)


def policy() -> outbox.DeliveryPolicy:
    """Read at each use: settings changed at run time (tests) apply at once."""
    return outbox.DeliveryPolicy(
        channel="webhook",
        lease=timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
        backoff_base=timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS),
        backoff_cap=BACKOFF_CAP,
        max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        retention=timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS),
    )


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
    """Ensure the delivery rows of one ticket event exist; returns the ids of pending ones.

    Idempotent (unique per subscription and event): the rows normally exist since the event's
    commit; this also covers events written before webhooks were rows."""
    event = TicketEvent.objects.select_related("ticket__client").filter(pk=event_id).first()
    if event is None:
        return []
    create_deliveries(event)
    return list(
        WebhookDelivery.objects.filter(
            event=event, status=WebhookDelivery.Status.PENDING
        ).values_list("pk", flat=True)
    )


def create_deliveries(event: TicketEvent) -> int:
    """Create the event's delivery rows, in the caller's transaction; returns how many."""
    types = event_types(event)
    if not types:
        return 0
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
                subscription=subscription,
                event=event,
                event_type=wanted,
                payload=payload,
            )
        )
    if rows:
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def on_event_saved(sender, instance: TicketEvent, created: bool, raw: bool = False, **kwargs):
    """``post_save`` of ``TicketEvent``: its deliveries are written in the same transaction."""
    if created and not raw and instance.kind in RELEVANT_KINDS:
        create_deliveries(instance)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


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
    """One attempt of a delivery if it is due (None otherwise: not yet, or another worker holds
    it); records the outcome. When still pending, ``next_attempt_at`` says when to retry."""
    now = now or timezone.now()
    rows = outbox.claim_due(WebhookDelivery, policy=policy(), now=now, ids=[delivery_id])
    return send(rows[0], now=now) if rows else None


def send(delivery: WebhookDelivery, *, now: datetime) -> WebhookDelivery:
    """POST a claimed delivery and record the outcome (only while the claim is still ours)."""
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    status, error = post_signed(
        delivery.subscription,
        body,
        event_type=delivery.event_type,
        delivery=str(delivery.delivery_key),
        now=now,
    )
    delivery.last_attempt_at, delivery.response_status = now, status
    if not error:
        outbox.mark_sent(delivery, now=now, last_attempt_at=now, response_status=status)
        return delivery
    WebhookDelivery.objects.filter(pk=delivery.pk, claim=delivery.claim).update(
        last_attempt_at=now, response_status=status
    )
    outbox.mark_retry(delivery, policy=policy(), now=now, error=error)
    return delivery


def sweep(
    *, now: datetime | None = None, batch: int = 10, budget: timedelta = timedelta(seconds=50)
) -> dict[str, int]:
    """Send what is due (never attempted, retry due, or lease expired) in small claims, until
    nothing is due or the time budget is spent (the next sweep goes on).

    Small batches: each claimed row is sent before its lease ends even if every endpoint of the
    batch hits the timeout."""
    started = timezone.now()
    sent = failed = 0
    while timezone.now() - started < budget:
        now_ = now or timezone.now()
        rows = outbox.claim_due(WebhookDelivery, policy=policy(), now=now_, limit=batch)
        if not rows:
            break
        subscriptions = {
            s.pk: s
            for s in WebhookSubscription.objects.filter(pk__in={r.subscription_id for r in rows})
        }
        for row in rows:
            row.subscription = subscriptions[row.subscription_id]
            send(row, now=now_)
            if row.status == WebhookDelivery.Status.SENT:
                sent += 1
            else:
                failed += 1
    return {"sent": sent, "failed": failed}
