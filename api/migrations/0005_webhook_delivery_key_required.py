"""Every webhook delivery has its key now (0004 gave one to each existing row)."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0004_webhook_delivery_on_delivery_primitive"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookdelivery",
            name="delivery_key",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, verbose_name="identifiant d'envoi"
            ),
        ),
    ]
