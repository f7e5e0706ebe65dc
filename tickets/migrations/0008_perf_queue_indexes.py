"""Issue 23: partial indexes over the active tickets for the queues' keyset pages (in the
queues' own sort order) and their index-only counters, and the dispatch list's order."""

import datetime as dt

from django.db import migrations, models
from django.db.models.functions import Coalesce

ACTIVE = ("new", "assigned", "in_progress", "pending", "resolved")
OPEN = ("new", "assigned", "in_progress", "pending")
NOT_TAKEN = ("new", "assigned")


def clock_stopped():
    return models.Case(
        models.When(state__in=NOT_TAKEN, then=models.Value(0)),
        default=models.Value(1),
        output_field=models.IntegerField(),
    )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_conversation")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                clock_stopped(),
                models.F("gti_deadline"),
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(("state__in", ACTIVE)),
                name="ticket_active_queue_order",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                models.F("assignee"),
                clock_stopped(),
                models.F("gti_deadline"),
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(("state__in", ACTIVE)),
                name="ticket_active_owner_order",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(("state__in", ACTIVE)),
                name="ticket_active_created_order",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                models.OrderBy(
                    models.Case(
                        models.When(then=models.Value(4), urgency="critical"),
                        models.When(then=models.Value(3), urgency="very_blocking"),
                        models.When(then=models.Value(2), urgency="slightly_blocking"),
                        models.When(then=models.Value(1), urgency="non_blocking"),
                        output_field=models.IntegerField(),
                    ),
                    descending=True,
                ),
                models.F("gti_deadline"),
                models.F("id"),
                condition=models.Q(("state__in", ACTIVE)),
                name="ticket_active_urgency_order",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                Coalesce(
                    "gti_deadline",
                    models.Value(dt.datetime(9999, 12, 31, 0, 0, tzinfo=dt.UTC)),
                    output_field=models.DateTimeField(),
                ),
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(("state__in", OPEN)),
                name="ticket_open_dispatch_order",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("state__in", NOT_TAKEN)),
                fields=["gti_deadline", "gti_risk_at", "assignee"],
                name="ticket_clock_running",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("state__in", OPEN)),
                fields=["assignee", "urgency"],
                name="ticket_open_owner_urgency",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("gti_met", False), ("state__in", ACTIVE)),
                fields=["assignee", "state", "gti_deadline"],
                name="ticket_active_gti_missed",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    models.Q(
                        ("last_client_activity_at__isnull", False),
                        ("state__in", ACTIVE),
                        models.Q(
                            ("last_staff_reply_at__isnull", True),
                            ("last_client_activity_at__gt", models.F("last_staff_reply_at")),
                            _connector="OR",
                        ),
                    )
                ),
                fields=["assignee"],
                name="ticket_active_awaiting",
            ),
        ),
    ]
