"""Demo on-call data on top of ``seed_demo``: idempotent, safe to run on every ``make run``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from oncall.models import Override, Rotation, WeekOverride
from oncall.selectors import local_instant, on_call_at, schedule, week_start_date
from oncall.services import rotation_set_members, rotation_swap_weeks
from staff.models import Technician

from ..demo_pages import seed_demo_pages

ROTATION_NAME = "Astreinte Oceanis"
MEMBERS = [f"tech{n}" for n in range(1, 8)]


class Command(BaseCommand):
    help = "Rotation d'astreinte de démonstration (tech1…tech7, escalade : manager)."

    def handle(self, *args, **options):
        technicians = {
            t.user.username: t
            for t in Technician.objects.select_related("user").filter(
                user__username__in=[*MEMBERS, "manager"]
            )
        }
        missing = [name for name in [*MEMBERS, "manager"] if name not in technicians]
        if missing:
            raise CommandError(
                f"Missing demo technicians {', '.join(missing)}: run `manage.py seed_demo` first."
            )
        with transaction.atomic():
            rotation = self._rotation(technicians)
            self._internal_client()
        # After the rotation: the demo nights page the people on call then (seed_demo pages
        # nobody, its tickets are history).
        for page in seed_demo_pages():
            self.stdout.write(
                f"Demo page {page.ticket.reference}: {page.get_state_display()}"
                f" by {page.acknowledged_by.get_full_name()},"
                f" 1-hour commitment met: {page.intervention_met}"
            )
        self._report(rotation)

    def _rotation(self, technicians) -> Rotation:
        rotation = Rotation.objects.filter(name=ROTATION_NAME).first()
        if rotation is not None:
            self.stdout.write("Rotation already there: left unchanged.")
            return rotation
        # A month back at least: the demo nights of the last weeks fall inside the rotation.
        new_year = dt.date((timezone.localdate() - dt.timedelta(days=31)).year, 1, 1)
        start = new_year - dt.timedelta(days=(new_year.weekday() - 3) % 7)  # Thursday on/before
        rotation = Rotation.objects.create(
            name=ROTATION_NAME,
            start_date=start,
            escalation_contact=technicians["manager"],
            is_active=not Rotation.objects.filter(is_active=True).exists(),
        )
        rotation_set_members(rotation=rotation, technicians=[technicians[n] for n in MEMBERS])
        if not (rotation.overrides.exists() or rotation.week_overrides.exists()):
            self._demo_overrides(rotation, technicians)
        return rotation

    def _demo_overrides(self, rotation: Rotation, technicians) -> None:
        """A swapped week and a night's replacement, both in the coming weeks."""
        this_week = week_start_date(rotation, timezone.now())
        rotation_swap_weeks(
            rotation=rotation,
            first=this_week + dt.timedelta(weeks=2),
            second=this_week + dt.timedelta(weeks=3),
            reason="Échange (congés)",
        )
        saturday = this_week + dt.timedelta(days=9)
        Override.objects.create(
            rotation=rotation,
            technician=technicians["tech7"],
            starts_at=local_instant(saturday, dt.time(20, 0), rotation.tzinfo),
            ends_at=local_instant(saturday + dt.timedelta(days=1), dt.time(8, 0), rotation.tzinfo),
            reason="Remplacement (rendez-vous médical)",
        )
        WeekOverride.objects.get_or_create(
            rotation=rotation,
            week_start=this_week + dt.timedelta(weeks=4),
            defaults={"escalation_contact": technicians["tech6"], "reason": "Manager en congés"},
        )

    def _internal_client(self) -> None:
        code = settings.OCEANIS_INTERNAL_CLIENT_CODE
        _, created = Client.objects.get_or_create(
            code=code, defaults={"name": "Oceanis (Datacenters)"}
        )
        if created:
            self.stdout.write(f"Internal client '{code}' created for Datacenter alarms.")

    def _report(self, rotation: Rotation) -> None:
        current = on_call_at(rotation=rotation)
        if current is not None:
            self.stdout.write(
                f"On call now: {current.primary} (backup {current.backup}, "
                f"escalation {current.escalation_contact})"
            )
        for week in schedule(rotation, weeks=5):
            start = timezone.localtime(week.starts_at)
            self.stdout.write(f"  {start:%a %d/%m %H:%M}  {week.primary}  / {week.backup}")
        self.stdout.write(self.style.SUCCESS("On-call demo ready: /oncall/"))
