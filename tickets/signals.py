"""Signals other apps subscribe to, so that tickets/ never imports them.

``event_committed`` fires once a ``TicketEvent`` is durably committed: on commit one Celery
message (``tickets.tasks.announce_event``) carries the event id, and the task sends this signal
(inline without a broker). Notifications, notices, webhooks and on-call do their work for the
event right there, inside that one task (one Celery message per event, not one per reader), and
queue only what must wait (a mail's grouping window, a webhook attempt, a page's next step).
Receivers must be idempotent (keyed by the event id) and never raise for a committed change; a
periodic sweeper in each consumer catches what a lost message or a failing reader missed.
"""

from django.dispatch import Signal

event_committed = Signal()  # kwargs: event (TicketEvent)
