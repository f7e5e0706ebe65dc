"""Webhook deliveries on the shared delivery primitive (oceanis.delivery.DeliveryRow).

Existing rows keep their data: ``delivered_at`` becomes ``sent_at``; each row gets its own
stable ``delivery_key`` (the ``X-Oceanis-Delivery`` header from now on, required by 0005) and an
empty claim.
"""

import uuid

import django.utils.timezone
from django.db import migrations, models


def give_each_row_its_key(apps, schema_editor):
    WebhookDelivery = apps.get_model("api", "WebhookDelivery")
    for pk in WebhookDelivery.objects.filter(delivery_key__isnull=True).values_list(
        "pk", flat=True
    ):
        WebhookDelivery.objects.filter(pk=pk).update(delivery_key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_token_scopes"),
    ]

    operations = [
        migrations.RenameField(
            model_name="webhookdelivery", old_name="delivered_at", new_name="sent_at"
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="envoyé le"),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="claimed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="claim",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="delivery_key",
            field=models.UUIDField(editable=False, null=True, verbose_name="identifiant d'envoi"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
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
        migrations.AlterField(
            model_name="webhookdelivery",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="tentatives"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="next_attempt_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="prochaine tentative"
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="dernière erreur"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="créé le"),
        ),
        # Last, and the key made required in the next migration: on PostgreSQL a table cannot
        # be altered in the transaction that just updated its rows (pending trigger events).
        migrations.RunPython(give_each_row_its_key, migrations.RunPython.noop, elidable=True),
    ]
