"""Replay a rejected payload once what refused it is fixed (a host mapped, a client code added).

Only the alerts that were not ingested go through again: a payload partly accepted keeps its
accepted alerts out of the replay (they would count twice), a payload refused as a whole goes
through whole. The alerts are read as they were sent (the forced ``?type=``) and within the
scope of the token that sent them: a client token's alerts never land in another client.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .models import RejectedAlert
from .parsing import AlertPayloadError, parse
from .routing import client_error_index, client_error_key
from .services import IngestResult, alerts_ingest


class AlreadyReplayed(Exception):
    """The rejected payload was already replayed in full."""


def _rejected_indexes(errors: dict, count: int) -> list[int]:
    """Positions of the alerts to replay: those refused for their client, else all of them."""
    positions = [client_error_index(key) for key in errors]
    if not positions or None in positions:
        return list(range(count))
    return sorted(set(positions))


def rejected_alert_replay(
    *, rejected: RejectedAlert, by, now: datetime | None = None
) -> IngestResult:
    """Ingest the payload's rejected alerts; the row is marked replayed when none is left.

    Alerts still without a client stay in the row's ``errors`` (by their position in the
    original payload) for a later replay. Raises ``AlertPayloadError`` when nothing can be
    ingested yet (the row is left as it was) and ``AlreadyReplayed`` for a row already done.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = RejectedAlert.objects.select_for_update().get(pk=rejected.pk)
        if locked.replayed_at is not None:
            raise AlreadyReplayed(locked.pk)
        try:
            payload = json.loads(locked.body)
        except json.JSONDecodeError as exc:
            raise AlertPayloadError(f"JSON invalide : {exc}", {}) from exc
        alerts = parse(payload, locked.flavour or None)
        indexes = _rejected_indexes(locked.errors, len(alerts))
        result = alerts_ingest(
            alerts=[alerts[i] for i in indexes if i < len(alerts)],
            by=by,
            scope_client_id=locked.scope_client_id,
            now=now,
        )
        remaining = {}
        for key, messages in result.errors.items():
            position = indexes[client_error_index(key)]
            remaining[client_error_key(position, len(alerts))] = messages
        locked.replay_result = {**result.as_dict(), "at": now.isoformat()}
        if remaining:
            locked.errors = remaining
        else:
            locked.replayed_at, locked.replayed_by = now, by
        locked.save(update_fields=["errors", "replay_result", "replayed_at", "replayed_by"])
    rejected.refresh_from_db()
    return result
