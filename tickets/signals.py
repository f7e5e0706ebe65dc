"""Signals other apps subscribe to, so that tickets/ never imports them.

``event_committed`` fires once a ``TicketEvent`` is durably committed: on commit one Celery
message (``tickets.tasks.announce_event``) carries the event id, and the task sends this signal
(inline without a broker). Notifications, webhooks and on-call build their own delivery rows
from it. Receivers must be
quick and idempotent (enqueue a Celery task keyed by the event id); a periodic sweeper in each
consumer catches anything a lost message would have missed.
"""

from django.dispatch import Signal

event_committed = Signal()  # kwargs: event (TicketEvent)
