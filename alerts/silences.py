"""Maintenance windows: a running silence holds the escalation of the events it covers.

A held event opens no ticket, raises no urgency and pages nobody; it keeps counting alerts. The
intake asks ``hold`` only for the events that would escalate, in one query per payload; the
event remembers until when it was held (``Event.silenced_until``) and the every-minute sweeper
(``alerts.tasks.release_silenced_events``) looks at it again when that instant has passed, so an
alert that stopped repeating still opens its ticket after the window.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Event, Silence

# A console silence lasts at most this long: a forgotten one must not mute a client for good.
MAX_SILENCE = timedelta(days=31)


def active_silences(client_ids: Iterable[int], now: datetime) -> list[Silence]:
    """The silences running at ``now`` for these clients: one query."""
    ids = set(client_ids)
    if not ids:
        return []
    return list(
        Silence.objects.filter(
            client_id__in=ids, starts_at__lte=now, ends_at__gt=now, ended_at__isnull=True
        )
    )


def held_until(silences: list[Silence], client_id: int, host: str, fingerprint: str):
    """The latest end among the silences covering an event, or None when none covers it."""
    ends = [s.ends_at for s in silences if s.covers(client_id, host, fingerprint)]
    return max(ends, default=None)


def hold(rows: list[dict], hosts: dict[tuple[int, str], str], now: datetime) -> set[int]:
    """The ids of the events among ``rows`` (intake rows about to escalate) that a running
    silence holds; each is marked ``silenced_until`` the silence's end. One query to read the
    silences, and one update per distinct end only when something is held."""
    silences = active_silences({row["client_id"] for row in rows}, now)
    if not silences:
        return set()
    by_end: dict[datetime, list[int]] = {}
    for row in rows:
        key = (row["client_id"], row["fingerprint"])
        until = held_until(silences, row["client_id"], hosts.get(key, ""), row["fingerprint"])
        if until is not None:
            by_end.setdefault(until, []).append(row["id"])
    for until, ids in by_end.items():
        Event.objects.filter(pk__in=ids).update(silenced_until=until)
    return {pk for ids in by_end.values() for pk in ids}


def _check_window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("La fin doit suivre le début.")})
    if ends_at <= now:
        raise ValidationError({"ends_at": _("Cette fenêtre est déjà passée.")})


def silence_create(
    *,
    client,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    by,
    host: str = "",
    fingerprint: str = "",
    change=None,
    now: datetime | None = None,
) -> Silence:
    """Record a silence and, when it already runs, mark the open events it covers (the console
    then shows them silenced at once). A change's silence for the same client and host is
    returned as it is: pressing the button twice records one."""
    now = now or timezone.now()
    _check_window(starts_at, ends_at, now)
    host = host.strip().lower()
    fields = {"starts_at": starts_at, "ends_at": ends_at, "reason": reason[:300]}
    with transaction.atomic():
        if change is not None:
            try:
                with transaction.atomic():
                    silence, _created = Silence.objects.get_or_create(
                        change=change,
                        client=client,
                        host=host,
                        defaults={**fields, "fingerprint": fingerprint, "created_by": by},
                    )
            except IntegrityError:  # a concurrent click won the race
                silence = Silence.objects.get(change=change, client=client, host=host)
        else:
            silence = Silence.objects.create(
                client=client, host=host, fingerprint=fingerprint, created_by=by, **fields
            )
        if silence.starts_at <= now < silence.ends_at and silence.ended_at is None:
            _mark_open_events(silence)
    return silence


def _mark_open_events(silence: Silence) -> None:
    events = Event.objects.filter(client_id=silence.client_id, resolved_at__isnull=True)
    if silence.fingerprint:
        events = events.filter(fingerprint=silence.fingerprint)
    covered = [
        pk
        for pk, host, fingerprint, until in events.values_list(
            "pk", "host", "fingerprint", "silenced_until"
        )
        if silence.covers(silence.client_id, host, fingerprint)
        and (until is None or until < silence.ends_at)
    ]
    Event.objects.filter(pk__in=covered).update(silenced_until=silence.ends_at)


def silence_end(*, silence: Silence, by, now: datetime | None = None) -> Silence:
    """Lift a silence before its end (idempotent). The events it held become due for the
    sweeper at once (their escalation is looked at again within the minute)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Silence.objects.select_for_update().get(pk=silence.pk)
        if locked.ended_at is not None or locked.ends_at <= now:
            return locked
        locked.ended_at, locked.ended_by = now, by
        locked.save(update_fields=["ended_at", "ended_by"])
        Event.objects.filter(
            client_id=locked.client_id,
            resolved_at__isnull=True,
            silenced_until__gt=now,
            silenced_until__lte=locked.ends_at,
        ).update(silenced_until=now)
    return locked


def silence_for_change(*, change, by, hosts: list[str], now: datetime | None = None):
    """One silence per affected client and host over the change's planned window (every host of
    the client when ``hosts`` is empty). Idempotent: a second call returns the same rows."""
    if change.planned_start is None or change.planned_end is None:
        raise ValidationError(_("Ce changement n'a pas de fenêtre planifiée."))
    if change.state not in ("approved", "scheduled", "implemented"):
        raise ValidationError(
            _("Seul un changement approuvé ou planifié met la supervision en sourdine.")
        )
    clients = list(change.affected_clients.all())
    if not clients:
        raise ValidationError(_("Ce changement ne concerne aucun client."))
    reason = _("Changement %(ref)s : %(title)s") % {"ref": change.reference, "title": change.title}
    return [
        silence_create(
            client=client,
            host=host,
            starts_at=change.planned_start,
            ends_at=change.planned_end,
            reason=reason,
            by=by,
            change=change,
            now=now,
        )
        for client in clients
        for host in (sorted({h.strip().lower() for h in hosts if h.strip()}) or [""])
    ]
