"""Every page message has its key now (0004 gave one to each existing row); the delivery
primitive's sweeper reads the status and due-time index."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("oncall", "0004_pageattempt_on_delivery_primitive"),
    ]

    operations = [
        migrations.AlterField(
            model_name="pageattempt",
            name="delivery_key",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, verbose_name="identifiant d'envoi"
            ),
        ),
        migrations.AddIndex(
            model_name="pageattempt",
            index=models.Index(
                fields=["status", "next_attempt_at"], name="oncall_page_status_44d70d_idx"
            ),
        ),
    ]
