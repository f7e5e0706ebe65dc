"""The on-call demo's pages: three past nights replayed through the paging entry points.

Each night a critical ticket of an on-call client arrives out of hours and raises its page
(``page_raise_for_event``); the chain is advanced at the instants it would have run
(``page_advance``) and the technician who answered acknowledges it (``page_acknowledge``), which
takes the ticket in charge; the ticket is then resolved and closed. One page is acknowledged at
the first message, one after a re-page, one by the backup; all three meet the 1-hour commitment.
Runs after the rotation exists: the people paged are those on call that night.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from oceanis.celery import app as celery_app
from sla.policy import Urgency
from tickets import services
from tickets.management.commands.seed_demo import mark_as_history
from tickets.models import Channel, EventKind, Kind, TechnicalDomain, TicketEvent

from ..models import AckVia, Page, PageLevel
from ..services.paging import ack_delay, page_acknowledge, page_advance
from ..triggers import page_raise_for_event


@dataclass(frozen=True)
class Night:
    days_ago: int
    clock: dt.time
    client: str
    title: str
    domain: str
    steps: int  # messages sent before the acknowledgement (1: answered at the first one)
    ack_after: int  # minutes after the last message
    via: str
    report: str


NIGHTS = [
    Night(
        9,
        dt.time(3, 5),
        "ehpad-les-pins",
        "Appels malades hors service dans l'aile B",
        TechnicalDomain.TELEPHONY,
        3,  # primary, re-page, then the backup answers
        6,
        AckVia.LINK,
        "Passerelle DECT redémarrée, appels malades testés chambre par chambre.",
    ),
    Night(
        5,
        dt.time(23, 40),
        "atlantic-sante",
        "Dossier patient informatisé inaccessible aux urgences",
        TechnicalDomain.APPLICATION,
        1,
        4,
        AckVia.BUTTON,
        "Service applicatif relancé après saturation du disque des journaux ; purge planifiée.",
    ),
    Night(
        2,
        dt.time(2, 10),
        "vendee-logistique",
        "Entrepôt des Herbiers : plus aucun terminal de quai ne se connecte",
        TechnicalDomain.NETWORK,
        2,  # the on-call technician answers the re-page
        3,
        AckVia.LINK,
        "Contrôleur Wi-Fi bloqué redémarré, terminaux de quai reconnectés et vérifiés.",
    ),
]


@contextmanager
def steps_replayed_here():
    """Without a broker Celery runs a task at once, whatever its countdown: the step due 10
    minutes after a replayed one would run now, stamped with today's clock. While replaying,
    what paging schedules goes to the in-memory broker nobody reads, as a lost message would
    (with a real broker it runs on time and finds the page settled); each step is run here."""
    conf = celery_app.conf
    had_own_value = "CELERY_TASK_ALWAYS_EAGER" in conf.changes
    eager = conf.task_always_eager
    # The app reads its settings under the CELERY_ namespace: the unprefixed key would be
    # shadowed by the one from Django's settings.
    conf.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield
    finally:
        if had_own_value:
            conf.CELERY_TASK_ALWAYS_EAGER = eager
        else:
            # Written back, the value would shadow Django's settings for the rest of the process
            # (a test switching eager mode off after a seed would still run tasks inline).
            conf.changes.pop("CELERY_TASK_ALWAYS_EAGER", None)


def seed_demo_pages(*, now: dt.datetime | None = None) -> list[Page]:
    """Replay the demo nights not replayed yet; returns their pages."""
    now = now or timezone.now()
    pages = []
    for night in NIGHTS:
        client = Client.objects.filter(code=night.client).first()
        if client is None or client.tickets.filter(title=night.title).exists():
            continue
        page = _replay(night, client, now)
        if page is not None:
            pages.append(page)
    return pages


def _replay(night: Night, client: Client, now: dt.datetime) -> Page | None:
    day = timezone.localdate(now) - dt.timedelta(days=night.days_ago)
    raised = dt.datetime.combine(day, night.clock, timezone.get_current_timezone())
    contact = client.contacts.order_by("pk").first()
    with steps_replayed_here(), services.ticket_events_as_history(), transaction.atomic():
        ticket = services.ticket_create(
            client=client,
            title=night.title,
            description=f"{night.title}. Signalé par téléphone à l'astreinte.",
            urgency=Urgency.CRITICAL,
            channel=Channel.PHONE,
            kind=Kind.INCIDENT,
            contact=contact,
            site=contact.site if contact else None,
            technical_domain=night.domain,
            created_at=raised,
        )
        created = ticket.events.get(kind=EventKind.CREATED)
        page = page_raise_for_event(created)
        if page is None:  # not an on-call night for this client after all
            return None
        for step in range(night.steps):
            page_advance(page.pk, now=raised + step * ack_delay())
        page.refresh_from_db()
        answered = (night.steps - 1) * ack_delay() + dt.timedelta(minutes=night.ack_after)
        who = page.backup if page.level == PageLevel.BACKUP else page.target
        page_acknowledge(page=page, by=who.user, via=night.via, at=raised + answered)
        _finish(ticket, who.user, night, raised + answered)
        mark_as_history(TicketEvent.objects.filter(ticket=ticket))
    page.refresh_from_db()
    return page


def _finish(ticket, user, night: Night, taken: dt.datetime) -> None:
    """The rest of the night's work and the next morning's closure, as the ticket shows it."""
    services.ticket_add_entry(
        ticket=ticket,
        by=user,
        body="Connexion à distance, diagnostic en cours avec le contact sur place.",
        public=True,
        minutes_spent=20,
        at=taken + dt.timedelta(minutes=12),
    )
    services.ticket_resolve(
        ticket=ticket,
        by=user,
        note=night.report,
        minutes_spent=35,
        at=taken + dt.timedelta(minutes=55),
    )
    morning = timezone.localtime(taken).replace(hour=9, minute=30)
    if morning <= taken:
        morning += dt.timedelta(days=1)
    services.ticket_close(
        ticket=ticket,
        by=user,
        synthesis=f"{night.report} Intervention d'astreinte dans l'heure.",
        at=morning,
    )
