"""The one way a record changes state: lock its row, apply the FSM transition, append the event.

Tickets, projects, problems and change requests all move this way (``django_fsm`` transitions on
a protected ``FSMField``, an ``AppendOnlyModel`` log). What differs between them is passed in:
the business rule to check, what the move stamps on the record, the event to append and the
error to raise. Major incidents, which have no state machine, use ``lock_for_update``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from .messages import with_message_payload

M = TypeVar("M", bound=models.Model)
E = TypeVar("E", bound=models.Model)


class TransitionRefused(Exception):
    """The record's current state does not allow the action (or a concurrent change won).

    Each app raises its own subclass, with a message naming its record."""


def lock_for_update(instance: M) -> M:
    """Re-read the row under a row lock (inside a transaction): the last writer sees the state
    the first one left, never the state its caller loaded earlier."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def append_event(model: type[E], **fields: Any) -> E:
    """Insert one row of an event log (an ``AppendOnlyModel``): always an INSERT, never an
    UPDATE of an existing row. A ``Message`` among the fields leaves its code in the payload,
    so readers render it in their own language (``oceanis.messages``)."""
    event = model(**with_message_payload(model, fields))
    event.save(force_insert=True)
    return event


def state_transition(
    instance: M,
    action: str,
    *,
    log: Callable[[M, str], E],
    refused: Callable[[M, str], Exception],
    check: Callable[[M], None] | None = None,
    stamp: Callable[[M, str], None] | None = None,
) -> E:
    """Apply the FSM transition ``action`` to ``instance`` and log it, in one transaction.

    On the locked row, in this order: the state must allow ``action`` (else ``refused(locked,
    action)`` is raised); ``check(locked)`` may refuse with the business rule (ValidationError,
    PermissionDenied…) before anything moves; the transition runs; ``stamp(locked, source)``
    sets what the move records besides the state (after the move: it reads the new state on
    ``locked`` and the state left in ``source``); the row is saved; ``log(locked, source)``
    appends the event, which is returned. Nothing is saved when any step raises. ``instance`` is
    refreshed from the database on success.
    """
    with transaction.atomic():
        locked = lock_for_update(instance)
        method = getattr(locked, action, None)
        if method is None or not hasattr(method, "_django_fsm"):
            raise ValueError(f"{type(instance).__name__} has no transition {action!r}")
        source = method._django_fsm.field.get_state(locked)
        # The state first: a forbidden move is reported as such, not as a failed business rule.
        if not can_proceed(method, check_conditions=False):
            raise refused(locked, action)
        if check:
            check(locked)
        try:
            method()
        except TransitionNotAllowed as exc:  # a condition of the transition refused it
            raise refused(locked, action) from exc
        if stamp:
            stamp(locked, source)
        try:
            locked.save()
        except ConcurrentTransition as exc:  # pragma: no cover - the row lock prevents it
            raise refused(locked, action) from exc
        event = log(locked, source)
    instance.refresh_from_db()
    return event
