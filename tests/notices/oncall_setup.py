"""A critical ticket of a 24x7 client at night: alice (on call) is paged."""

from oncall.models import Page
from tests.factories import ContractFactory, make_ticket
from tests.oncall.conftest import make_rotation, paris

SATURDAY_3AM = paris(2026, 10, 3, 3, 0)


def critical_at_night(capture) -> Page:
    import time_machine

    from sla.policy import HoursPlan
    from tests.factories import make_manager

    make_rotation(boss=make_manager("boss"))
    client = ContractFactory(hours_plan=HoursPlan.ON_CALL).client
    with time_machine.travel(SATURDAY_3AM, tick=False), capture(execute=True):
        ticket = make_ticket(client=client, urgency="critical")
    return Page.objects.get(ticket=ticket)
