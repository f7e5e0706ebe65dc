import pytest
from django.core.management import call_command

from clients.models import Client, Contact, Contract
from staff.models import Technician
from tickets.models import State, Ticket, TicketEvent


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_every_state(capsys):
    call_command("seed_demo", tickets=60)
    counts = (
        Technician.objects.count(),
        Client.objects.count(),
        Contact.objects.count(),
        Contract.objects.count(),
        Ticket.objects.count(),
        TicketEvent.objects.count(),
    )
    call_command("seed_demo", tickets=60)
    again = (
        Technician.objects.count(),
        Client.objects.count(),
        Contact.objects.count(),
        Contract.objects.count(),
        Ticket.objects.count(),
        TicketEvent.objects.count(),
    )
    assert counts == again
    assert counts[0] == 11 and counts[1] == 15 and counts[4] == 60
    states = set(Ticket.objects.values_list("state", flat=True))
    assert states == set(State.values)
    assert {c.hours_plan for c in Contract.objects.all()} == {"standard", "extended", "24x7"}
    assert {c.billing for c in Contract.objects.all()} == {"flat_fee", "billable"}
    assert Client.objects.filter(multi_site=True).exists()
    assert "manager" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_is_deterministic():
    call_command("seed_demo", tickets=30)
    first = list(
        Ticket.objects.order_by("reference").values_list("title", "urgency", "client__code")
    )
    Ticket.objects.all().delete()
    call_command("seed_demo", tickets=30)
    second = list(
        Ticket.objects.order_by("created_at").values_list("title", "urgency", "client__code")
    )
    assert first == second
