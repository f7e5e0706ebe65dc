"""Replay a rejected payload once what refused it is fixed (a host mapped, a client code added).

Only the alerts that were not ingested go through again: a payload partly accepted keeps its
accepted alerts out of the replay (they would count twice), a payload refused as a whole goes
through whole, and an invalid alert is reported again (its text has not changed). The alerts
are read as they were sent (the forced ``?type=``) and within the scope of the token that sent
them: a client token's alerts never land in another client.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from api.parsers import BodyError, loads

from .models import RejectedAlert
from .parsing import AlertPayloadError, alert_key, parse_each
from .routing import client_error_index, client_error_key, refused_alert_index
from .services import IngestResult, alerts_ingest


class AlreadyReplayed(Exception):
    """The rejected payload was already replayed in full."""


def _rejected_indexes(errors: dict, count: int) -> list[int]:
    """Positions of the alerts to replay: those refused (for their client, as invalid or not
    storable), else all of them (the payload was refused as a whole)."""
    positions = [refused_alert_index(key) for key in errors]
    if not positions or None in positions:
        return list(range(count))
    return sorted(set(positions))


def rejected_alert_replay(
    *, rejected: RejectedAlert, by, now: datetime | None = None
) -> IngestResult:
    """Ingest the payload's rejected alerts; the row is marked replayed when none is left.

    Alerts still refused (without a client, or invalid: an invalid alert stays so) stay in the
    row's ``errors`` (by their position in the original payload) for a later replay. Raises
    ``AlertPayloadError`` when nothing can be ingested yet (the row is left as it was) and
    ``AlreadyReplayed`` for a row already done.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = RejectedAlert.objects.select_for_update().get(pk=rejected.pk)
        if locked.replayed_at is not None:
            raise AlreadyReplayed(locked.pk)
        try:
            # Read as the intake reads it: the same bounds, the same cleaning of free text.
            payload = loads(locked.body, strip=True)
        except BodyError as exc:
            raise AlertPayloadError(exc.message, {}) from exc
        alerts, invalid = parse_each(payload, locked.flavour or None)
        indexes = [i for i in _rejected_indexes(locked.errors, len(alerts)) if i < len(alerts)]
        still_invalid = {
            key: messages
            for key, messages in invalid.items()
            if refused_alert_index(key) in indexes
        }
        replayable = [i for i in indexes if alerts[i] is not None]
        if not replayable:
            raise AlertPayloadError("Alerte(s) invalide(s) : rien à réinjecter.", still_invalid)
        result = alerts_ingest(
            alerts=[alerts[i] for i in replayable],
            by=by,
            scope_client_id=locked.scope_client_id,
            now=now,
        )
        remaining = dict(still_invalid)
        for key, messages in result.errors.items():
            position = replayable[refused_alert_index(key)]
            if client_error_index(key) is None:
                remaining[alert_key(position, len(alerts))] = messages
            else:
                remaining[client_error_key(position, len(alerts))] = messages
        locked.replay_result = {**result.as_dict(), "at": now.isoformat()}
        if remaining:
            locked.errors = remaining
        else:
            locked.replayed_at, locked.replayed_by = now, by
        locked.save(update_fields=["errors", "replay_result", "replayed_at", "replayed_by"])
    rejected.refresh_from_db()
    return result
