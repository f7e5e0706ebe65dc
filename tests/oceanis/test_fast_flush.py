"""After a transactional test the database is emptied by DELETE (tests/support/database.py):
every table but the content types and permissions ends empty, and those stay complete."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from tests.factories import make_manager, make_ticket
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the DELETE flush is PostgreSQL's"
)


@pytest.mark.django_db(transaction=True)
def test_the_flush_of_a_transactional_test_empties_every_table_but_keeps_content_types():
    manager = make_manager("sophie")  # a group with a user: rows on both sides of a many-to-many
    manager.user.user_permissions.add(Permission.objects.first())
    make_ticket(assignee=manager)
    kept = (
        set(ContentType.objects.values_list("pk", flat=True)),
        set(Permission.objects.values_list("pk", flat=True)),
    )

    # What pytest-django runs after the test (TransactionTestCase._fixture_teardown).
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)

    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    left = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            if count := cursor.fetchone()[0]:
                left[table] = count
    assert set(left) == {"django_content_type", "auth_permission"}
    # The same rows, not new ones: kept, not written again by post_migrate.
    assert (
        set(ContentType.objects.values_list("pk", flat=True)),
        set(Permission.objects.values_list("pk", flat=True)),
    ) == kept
    assert len(kept[0]) >= len(apps.get_models())
    assert not Group.objects.exists() and not TicketEvent.objects.exists()
    assert make_ticket().pk and Ticket.objects.count() == 1  # the database works on


def test_a_flush_that_resets_sequences_is_still_django_s_truncate():
    sql = connection.ops.sql_flush(no_style(), ["tickets_ticket"], reset_sequences=True)
    assert sql and all(statement.startswith("TRUNCATE") for statement in sql)
