"""Notification rows on the shared delivery primitive (oceanis.delivery.DeliveryRow).

The existing columns keep their names and data (status, attempts, lease, Message-ID); only the
stable ``delivery_key`` is new, given a distinct value per existing row.
"""

import uuid

from django.db import migrations, models


def give_each_row_its_key(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    for pk in Notification.objects.filter(delivery_key__isnull=True).values_list("pk", flat=True):
        Notification.objects.filter(pk=pk).update(delivery_key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_conversation"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="delivery_key",
            field=models.UUIDField(editable=False, null=True, verbose_name="identifiant d'envoi"),
        ),
        migrations.RunPython(give_each_row_its_key, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="notification",
            name="delivery_key",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, verbose_name="identifiant d'envoi"
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="claim",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
    ]
