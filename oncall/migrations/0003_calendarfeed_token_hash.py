"""Store only the SHA-256 of each on-call feed token.

Existing addresses keep working: the token in a subscribed URL hashes to the stored value.
Going back cannot recover the clear tokens, so the reverse gives every feed a new random token
(the old addresses stop working; technicians create a new one).
"""

from django.db import migrations, models

import oceanis.tokens


def hash_existing_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("oncall", "CalendarFeed")
    for feed in CalendarFeed.objects.only("pk", "token").iterator():
        CalendarFeed.objects.filter(pk=feed.pk).update(
            token_hash=oceanis.tokens.hash_token(feed.token)
        )


def issue_new_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("oncall", "CalendarFeed")
    for pk in CalendarFeed.objects.values_list("pk", flat=True).iterator():
        CalendarFeed.objects.filter(pk=pk).update(token=oceanis.tokens.new_token())


class Migration(migrations.Migration):

    dependencies = [
        ("oncall", "0002_page_trigger_desk_closed"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token",
            field=models.CharField(editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(hash_existing_tokens, issue_new_tokens),
        migrations.RemoveField(
            model_name="calendarfeed",
            name="token",
        ),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]
