"""Incident communication deliveries on the shared delivery primitive (oceanis.delivery).

Existing rows keep their data; each gets its own stable ``delivery_key`` (the mail's Message-ID
from now on) and, as creation time, its communication's publication. A row left "sending" by the
old code is re-sent by the sweeper (its lease, ``next_attempt_at``, lies in the past).
"""

import uuid

import django.utils.timezone
from django.db import migrations, models


def fill_keys_and_creation(apps, schema_editor):
    Delivery = apps.get_model("incidents", "IncidentMessageDelivery")
    rows = Delivery.objects.filter(delivery_key__isnull=True).values_list(
        "pk", "message__published_at"
    )
    for pk, published_at in rows:
        values = {"delivery_key": uuid.uuid4()}
        if published_at is not None:
            values["created_at"] = published_at
        Delivery.objects.filter(pk=pk).update(**values)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_incident_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidentmessagedelivery",
            name="claim",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="incidentmessagedelivery",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="créé le"),
        ),
        migrations.AddField(
            model_name="incidentmessagedelivery",
            name="delivery_key",
            field=models.UUIDField(editable=False, null=True, verbose_name="identifiant d'envoi"),
        ),
        migrations.AlterField(
            model_name="incidentmessagedelivery",
            name="next_attempt_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="prochaine tentative"
            ),
        ),
        migrations.AlterField(
            model_name="incidentmessagedelivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "En attente"),
                    ("sending", "En cours d'envoi"),
                    ("sent", "Envoyé"),
                    ("failed", "Échec"),
                    ("skipped", "Sans objet"),
                ],
                db_index=True,
                default="pending",
                max_length=8,
                verbose_name="statut",
            ),
        ),
        # Last, and the key made required in the next migration: on PostgreSQL a table cannot
        # be altered in the transaction that just updated its rows (pending trigger events).
        migrations.RunPython(fill_keys_and_creation, migrations.RunPython.noop, elidable=True),
    ]
