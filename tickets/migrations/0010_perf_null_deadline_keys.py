"""Issue 23: the queues' deadline indexes on the never-NULL deadline key (DEADLINE_ORDER, a
ticket without GTI last), so a keyset cursor on a ticket without GTI compares like any other
(a row comparison with a NULL is unknown: those tickets could not be reached by the page
links). The new indexes are built before the old ones are dropped."""

import datetime as dt

from django.db import migrations, models
from django.db.models.functions import Coalesce

ACTIVE = ("new", "assigned", "in_progress", "pending", "resolved")
NOT_TAKEN = ("new", "assigned")


def clock_stopped():
    return models.Case(
        models.When(state__in=NOT_TAKEN, then=models.Value(0)),
        default=models.Value(1),
        output_field=models.IntegerField(),
    )


def deadline_order():
    return Coalesce(
        "gti_deadline",
        models.Value(dt.datetime(9999, 12, 31, 0, 0, tzinfo=dt.UTC)),
        output_field=models.DateTimeField(),
    )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_i18n_verbose_names")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                clock_stopped(),
                deadline_order(),
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(("state__in", ACTIVE)),
                name="ticket_active_queue_key",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                models.F("assignee"),
                clock_stopped(),
                deadline_order(),
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(("state__in", ACTIVE)),
                name="ticket_active_owner_key",
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
                deadline_order(),
                models.F("id"),
                condition=models.Q(("state__in", ACTIVE)),
                name="ticket_active_urgency_key",
            ),
        ),
        migrations.RemoveIndex(model_name="ticket", name="ticket_active_queue_order"),
        migrations.RemoveIndex(model_name="ticket", name="ticket_active_owner_order"),
        migrations.RemoveIndex(model_name="ticket", name="ticket_active_urgency_order"),
    ]
