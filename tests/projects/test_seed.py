"""The projects demo data: every phase present, idempotent, refused without seed_demo."""

import pytest
from django.core.management import CommandError, call_command

from projects.models import (
    Absence,
    Booking,
    BuildEscalation,
    HandOver,
    Project,
    State,
    TicketProject,
)


@pytest.mark.django_db
def test_the_projects_demo_needs_the_base_demo(capsys):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_projects_demo")


@pytest.mark.django_db
def test_the_projects_demo_covers_every_phase_and_is_idempotent(capsys, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", tickets=5)
    call_command("seed_projects_demo")
    counts = [
        m.objects.count()
        for m in (Project, Booking, Absence, HandOver, TicketProject, BuildEscalation)
    ]
    call_command("seed_projects_demo")
    again = [
        m.objects.count()
        for m in (Project, Booking, Absence, HandOver, TicketProject, BuildEscalation)
    ]
    assert counts == again
    assert counts[0] == 6 and counts[1] > 10 and counts[3] == 1
    states = set(Project.objects.values_list("state", flat=True))
    assert states == {
        State.ORDERED,
        State.PLANNING,
        State.INTEGRATION,
        State.ACCEPTANCE,
        State.IN_PRODUCTION,
        State.ON_HOLD,
    }
    # The manager's added day fits the engineer's week: demo data is never over-booked.
    added = Booking.objects.get(note="Bascule avancée à la demande du client.")
    assert not added.forced and not Booking.objects.filter(forced=True).exists()
    out = capsys.readouterr().out
    assert "6 demo projects created." in out and "already present" in out
