"""Fill the stored forms added in 0002 for the existing rows: E.164 numbers, folded names.

The historical models have no ``save`` override: the derivation is done here, with the same
helpers the models use (oceanis.phones), in batches.
"""

from django.db import migrations

from oceanis.phones import fold, normalize

BATCH = 500


def _fill(model, fields, derive):
    changed = []
    for row in model.objects.only("pk", *fields).iterator(chunk_size=BATCH):
        for name, value in derive(row).items():
            setattr(row, name, value)
        changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, list(derive(row)))
            changed = []
    if changed:
        model.objects.bulk_update(changed, list(derive(changed[0])))


def forwards(apps, schema_editor):
    _fill(
        apps.get_model("clients", "Client"),
        ["name", "phone"],
        lambda c: {"phone_e164": normalize(c.phone), "name_key": fold(c.name)},
    )
    _fill(
        apps.get_model("clients", "Site"),
        ["phone"],
        lambda s: {"phone_e164": normalize(s.phone)},
    )
    _fill(
        apps.get_model("clients", "Contact"),
        ["first_name", "last_name", "phone", "mobile"],
        lambda c: {
            "phone_e164": normalize(c.phone),
            "mobile_e164": normalize(c.mobile),
            "name_key": fold(f"{c.first_name} {c.last_name}"),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_phones_and_name_keys")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
