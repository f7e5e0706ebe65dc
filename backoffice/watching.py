"""The "Abonnés" (watchers) panel of the ticket page: who follows the ticket, and the forms to
follow it, stop following it, add or remove someone.

Any staff member may manage watchers of an open or resolved ticket: watching changes nobody's
ownership. Closed and cancelled tickets show their watchers read-only.
"""

from __future__ import annotations

from tickets.models import Ticket
from tickets.selectors import ACTIVE_STATES

from .forms import WatcherForm


def watchers_editable(ticket: Ticket) -> bool:
    return ticket.state in ACTIVE_STATES


def load_watchers(ticket: Ticket) -> list:
    return list(ticket.watchers.select_related("user", "contact"))


def watchers_panel(
    ticket: Ticket, user, *, technicians, contacts, form: WatcherForm | None = None
) -> dict:
    """The panel's context from lists the page already holds (one query: the watchers)."""
    watchers = load_watchers(ticket)
    editable = watchers_editable(ticket)
    if form is None and editable:
        form = WatcherForm(ticket=ticket, auto_id="id_watch_%s")
    if form is not None:
        form.set_choices(technicians, contacts, watching=watchers)
    return {
        "watchers": watchers,
        "my_watch": next((w for w in watchers if w.user_id == user.pk), None),
        "watchers_editable": editable,
        "watcher_form": form,
    }
