"""Keep ticket and problem documents in step with their sources, after commit.

Writes to tickets and problems go through their services; whatever they saved (the ticket row,
an entry of its log, the problem) marks the source for re-indexing, and one batch per transaction
rebuilds each marked document once the transaction commits: the write path pays nothing inside
its transaction, and a rollback indexes nothing. A failing refresh is logged, never raised to the
caller (``search_reindex`` repairs).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from changes.models import Problem
from tickets.models import Ticket, TicketEvent

from .models import DocType

logger = logging.getLogger(__name__)


class _Batch:
    def __init__(self):
        self.items: dict[tuple[str, int], None] = {}
        self.done = False

    def run(self):
        from .services import INDEXERS

        self.done = True
        for doc_type, pk in self.items:
            try:
                INDEXERS[doc_type](pk)
            except Exception:
                logger.exception("Could not index %s %s", doc_type, pk)


def _registered(connection, batch: _Batch) -> bool:
    return any(entry[1] == batch.run for entry in connection.run_on_commit)


def schedule(doc_type: str, pk: int) -> None:
    """Re-index this source once the current transaction commits (at once outside one)."""
    connection = transaction.get_connection()
    batch = getattr(connection, "_search_batch", None)
    if batch is not None and not batch.done and _registered(connection, batch):
        batch.items[(doc_type, pk)] = None
        return
    batch = _Batch()
    batch.items[(doc_type, pk)] = None
    connection._search_batch = batch
    transaction.on_commit(batch.run)


@receiver(post_save, sender=Ticket, dispatch_uid="search_ticket_saved")
def ticket_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule(DocType.TICKET, instance.pk)


@receiver(post_save, sender=TicketEvent, dispatch_uid="search_ticket_event_saved")
def ticket_event_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.body:
        schedule(DocType.TICKET, instance.ticket_id)


@receiver(post_save, sender=Problem, dispatch_uid="search_problem_saved")
def problem_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule(DocType.PROBLEM, instance.pk)


@receiver(post_delete, sender=Problem, dispatch_uid="search_problem_deleted")
def problem_deleted(sender, instance, **kwargs):
    schedule(DocType.PROBLEM, instance.pk)
