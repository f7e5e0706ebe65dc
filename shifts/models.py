"""Service-desk shifts (like the on-call rotation: named slots in local time, agents assigned per
day) and shift handovers (the outgoing agent passes each open ticket, with a note, to the
incoming one)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LOCAL = ZoneInfo(settings.TIME_ZONE)


def local_span(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """The aware [start, end) of a shift starting on ``day``, in local wall-clock time.

    A shift whose end is not after its start (22:00–06:00) ends the next day. Wall-clock times
    are kept across DST changes: a night shift on the October change lasts 9 hours, not 8.
    """
    starts = datetime.combine(day, start, tzinfo=LOCAL)
    ends = datetime.combine(day + timedelta(days=int(end <= start)), end, tzinfo=LOCAL)
    # In UTC: Python compares and subtracts two datetimes sharing a tzinfo as naive ones.
    return starts.astimezone(UTC), ends.astimezone(UTC)


class Shift(models.Model):
    """A named slot of the service-desk rota, e.g. "Matin" 06:00–14:00, "Nuit" 22:00–06:00."""

    name = models.CharField(_("nom"), max_length=60, unique=True)
    start_time = models.TimeField(_("début (heure locale)"))
    end_time = models.TimeField(_("fin (heure locale)"))
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["position", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(start_time=models.F("end_time")), name="shift_not_empty"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_time:%H:%M}–{self.end_time:%H:%M})"

    def span(self, day: date) -> tuple[datetime, datetime]:
        return local_span(day, self.start_time, self.end_time)


class ShiftAssignment(models.Model):
    """An agent on a shift on a given day (the day the shift starts)."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments")
    day = models.DateField(_("jour"))
    technician = models.ForeignKey(
        "staff.Technician",
        on_delete=models.CASCADE,
        related_name="shift_assignments",
        verbose_name=_("agent"),
    )

    class Meta:
        verbose_name = _("affectation de shift")
        verbose_name_plural = _("affectations de shift")
        ordering = ["day", "shift__position", "shift__start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "day", "technician"], name="shift_assignment_once"
            )
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.shift.name}: {self.technician}"

    def span(self) -> tuple[datetime, datetime]:
        return self.shift.span(self.day)


class Handover(models.Model):
    """One shift handover: outgoing → incoming agent, with one item per ticket passed on."""

    from_technician = models.ForeignKey(
        "staff.Technician",
        on_delete=models.PROTECT,
        related_name="handovers_given",
        verbose_name=_("agent sortant"),
    )
    to_technician = models.ForeignKey(
        "staff.Technician",
        on_delete=models.PROTECT,
        related_name="handovers_received",
        verbose_name=_("agent entrant"),
    )
    note = models.TextField(_("consignes générales"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("relève")
        verbose_name_plural = _("relèves")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.from_technician} → {self.to_technician}"


class HandoverItem(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    note = models.TextField(_("note de relève"))

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "ticket"], name="handover_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.handover_id}: {self.ticket_id}"
