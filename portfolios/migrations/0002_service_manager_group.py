"""The service managers' group exists from the start, so the centre manager can put staff in it
from the admin (the demo seed and the tests rely on it too)."""

from django.db import migrations

SERVICE_MANAGER_GROUP = "service_manager"  # staff.models.SERVICE_MANAGER_GROUP, frozen here


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=SERVICE_MANAGER_GROUP)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=SERVICE_MANAGER_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portfolios", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
