"""The only write path for tickets.

Every function runs in one database transaction, locks the ticket row, applies the FSM transition
(which refuses forbidden moves), updates the ticket and appends one immutable ``TicketEvent``.
Web views, the API, inbound mail, monitoring alerts and on-call acknowledgements all call these.
"""

from .base import (
    QUALIFICATION_FIELDS,
    RELATED_FIELDS,
    TicketTransitionError,
    ticket_events_as_history,
)
from .conversation import (
    ClientReply,
    ReplyOutcome,
    ticket_client_reply,
    ticket_send_closure_reminder,
)
from .creation import ticket_create
from .entries import ticket_add_entry, ticket_attach_file
from .lifecycle import (
    ticket_assign,
    ticket_cancel,
    ticket_close,
    ticket_reopen,
    ticket_resolve,
    ticket_resume,
    ticket_set_pending,
    ticket_take_in_charge,
)
from .qualification import (
    ticket_change_urgency,
    ticket_escalate,
    ticket_requalify,
    ticket_set_resolver,
)
from .watchers import ticket_mark_seen, ticket_watcher_add, ticket_watcher_remove

__all__ = [
    "QUALIFICATION_FIELDS",
    "RELATED_FIELDS",
    "TicketTransitionError",
    "ClientReply",
    "ReplyOutcome",
    "ticket_client_reply",
    "ticket_send_closure_reminder",
    "ticket_add_entry",
    "ticket_attach_file",
    "ticket_assign",
    "ticket_cancel",
    "ticket_change_urgency",
    "ticket_close",
    "ticket_create",
    "ticket_escalate",
    "ticket_events_as_history",
    "ticket_reopen",
    "ticket_requalify",
    "ticket_resolve",
    "ticket_resume",
    "ticket_set_pending",
    "ticket_set_resolver",
    "ticket_take_in_charge",
    "ticket_mark_seen",
    "ticket_watcher_add",
    "ticket_watcher_remove",
]
