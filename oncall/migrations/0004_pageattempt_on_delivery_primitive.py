"""Page messages on the shared delivery primitive (oceanis.delivery.DeliveryRow).

``PageAttempt`` stays the page's log and becomes its delivery row: ``outcome`` → ``status``
(same values: sent, failed, skipped), ``tries`` → ``attempts``, ``error`` → ``last_error``. Each
existing row gets its own ``delivery_key``; its creation, due and sent instants are its ``at``.
"""

import uuid

import django.utils.timezone
from django.db import migrations, models


def fill_from_the_log(apps, schema_editor):
    PageAttempt = apps.get_model("oncall", "PageAttempt")
    rows = PageAttempt.objects.filter(delivery_key__isnull=True).values_list("pk", "at", "status")
    for pk, at, status in rows:
        PageAttempt.objects.filter(pk=pk).update(
            delivery_key=uuid.uuid4(),
            created_at=at,
            next_attempt_at=at,
            sent_at=at if status == "sent" else None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("oncall", "0003_calendarfeed_token_hash"),
    ]

    operations = [
        migrations.RenameField(model_name="pageattempt", old_name="outcome", new_name="status"),
        migrations.RenameField(model_name="pageattempt", old_name="tries", new_name="attempts"),
        migrations.RenameField(model_name="pageattempt", old_name="error", new_name="last_error"),
        migrations.AlterField(
            model_name="pageattempt",
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
            model_name="pageattempt",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="tentatives"),
        ),
        migrations.AlterField(
            model_name="pageattempt",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="dernière erreur"),
        ),
        migrations.AddField(
            model_name="pageattempt",
            name="next_attempt_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="prochaine tentative"
            ),
        ),
        migrations.AddField(
            model_name="pageattempt",
            name="claimed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="pageattempt",
            name="claim",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="pageattempt",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="envoyé le"),
        ),
        migrations.AddField(
            model_name="pageattempt",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="créé le"),
        ),
        migrations.AddField(
            model_name="pageattempt",
            name="delivery_key",
            field=models.UUIDField(editable=False, null=True, verbose_name="identifiant d'envoi"),
        ),
        # Last, and the key made required in the next migration: on PostgreSQL a table cannot
        # be altered in the transaction that just updated its rows (pending trigger events).
        migrations.RunPython(fill_from_the_log, migrations.RunPython.noop, elidable=True),
    ]
