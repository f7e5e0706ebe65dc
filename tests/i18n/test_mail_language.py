"""A mail quoting a stored sentence words it in the recipient's language, not the writer's."""

import pytest
from django.utils import translation

from notifications.emails import build_event_email
from notifications.models import Notification, NotificationKind
from oceanis.messages import Message
from tests.factories import make_ticket
from tickets import services
from tickets.models import State

pytestmark = pytest.mark.django_db


def _closure_mail(technician, language: str) -> str:
    ticket = make_ticket()
    services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    services.ticket_resolve(ticket=ticket, by=technician.user, note="Toner remplacé.")
    with translation.override("en"):  # whoever closes, the row is written in French
        services.ticket_close(ticket=ticket, by=None, synthesis=Message("ticket.auto_closed"))
    event = ticket.events.get(to_state=State.CLOSED)
    assert event.body == "Clôture automatique : aucun retour du client depuis la résolution."
    ticket.refresh_from_db()
    assert ticket.closure_synthesis == event.body
    row = Notification(
        kind=NotificationKind.CLOSED,
        event=event,
        audience=Notification.Audience.CLIENT,
        recipient="client@example.org",
        language=language,
    )
    mail = build_event_email(ticket, row.recipient, language, row.audience, [row])
    return mail.body + mail.alternatives[0][0]


def test_the_closure_mail_quotes_the_synthesis_in_english_for_an_english_contact(technician):
    mail = _closure_mail(technician, "en")
    assert mail.count("Automatic closure: no reply from the client since the resolution.") == 2
    assert "Clôture automatique" not in mail


def test_the_closure_mail_quotes_it_in_french_for_a_french_contact(technician):
    mail = _closure_mail(technician, "fr")
    assert mail.count("Clôture automatique : aucun retour du client depuis la résolution.") == 2
