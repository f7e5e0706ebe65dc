"""Every incident mail delivery has its key now (0003 gave one to each existing row)."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0003_incident_delivery_on_delivery_primitive"),
    ]

    operations = [
        migrations.AlterField(
            model_name="incidentmessagedelivery",
            name="delivery_key",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, verbose_name="identifiant d'envoi"
            ),
        ),
    ]
