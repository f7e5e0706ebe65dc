"""Abstract models shared by the apps (no table of its own here)."""

from __future__ import annotations

from django.db import models


class ImmutableEventError(Exception):
    """An event was about to be changed or deleted: event logs are append-only."""


class AppendOnlyModel(models.Model):
    """A history row: inserted once, never updated nor deleted one by one (cascades from the
    parent still apply).

    The base of every event log (ticket timeline, project history, problem and change logs):
    what an audit trail says happened cannot be rewritten through the ORM afterwards."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ImmutableEventError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEventError(f"{type(self).__name__} rows are append-only")
