import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_ticket
from tickets.attachments import attachment_add, safe_filename
from tickets.models import Attachment
from tickets.planning import intervention_plan

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\x\\rapport.pdf", "rapport.pdf"),
        (".htaccess.txt", "htaccess.txt"),
        ("a<b>.pdf", "a_b_.pdf"),
        ("", "fichier"),
    ],
)
def test_filenames_are_sanitised(raw, clean):
    assert safe_filename(raw) == clean


@pytest.mark.django_db
def test_an_allowed_file_is_stored_under_a_random_name(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = make_ticket()
    att = attachment_add(ticket=ticket, name="../journal.log", content=b"boom")
    assert att.original_name == "journal.log"
    assert att.content_type == "text/plain"
    assert "journal" not in att.file.name
    assert att.file.read() == b"boom"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["page.html", "image.svg", "setup.exe", "noext"])
def test_dangerous_types_are_refused(settings, tmp_path, name):
    settings.MEDIA_ROOT = tmp_path
    ticket = make_ticket()
    with pytest.raises(ValidationError):
        attachment_add(ticket=ticket, name=name, content=b"x")
    assert Attachment.objects.count() == 0


@pytest.mark.django_db
def test_oversized_files_are_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="volumineux"):
        attachment_add(ticket=make_ticket(), name="a.pdf", content=b"x" * 11)


@pytest.mark.django_db
def test_planning_an_intervention_logs_a_public_entry(technician):
    # Faker's names can overlap ("Denise" contains "Denis"): a first and last
    # name neither of which contains the other, nor any other word of the entry.
    technician.user.first_name, technician.user.last_name = "Julien", "Vauquelin-Troismonts"
    technician.user.save(update_fields=["first_name", "last_name"])
    ticket = make_ticket()
    when = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)  # 09:00 in Paris
    planned = intervention_plan(
        ticket=ticket,
        technician=technician,
        starts_at=when,
        duration=dt.timedelta(hours=2),
        by=technician.user,
        mode="on_site",
        travel_minutes=40,
    )
    assert planned.ends_at == when + dt.timedelta(hours=2)
    entry = ticket.events.latest("pk")
    assert entry.public and "02/12/2026 09:00" in entry.body
    assert technician.user.first_name in entry.body
    assert technician.user.last_name not in entry.body
    with pytest.raises(ValidationError):
        intervention_plan(
            ticket=ticket,
            technician=technician,
            starts_at=when,
            duration=dt.timedelta(0),
            by=technician.user,
        )
