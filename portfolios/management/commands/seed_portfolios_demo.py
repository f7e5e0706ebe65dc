"""Demo service manager on top of ``seed_demo``: idempotent, safe to run on every ``make run``.

"sm1" (Claire Bernard, same demo password) is the service manager of Vendée Logistique and Brioche
Vendéenne, with "deputy" as backup of the first; Vendée Logistique had a steering committee three
weeks ago with two actions, one done. Nothing is created twice.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from staff.models import SERVICE_MANAGER_GROUP, TECHNICIAN_GROUP, Level, Team, Technician
from tickets.management.commands.seed_demo import demo_password_hash

from ...models import Assignment, SteeringCommittee
from ...services import (
    ActionDraft,
    committee_action_set_done,
    committee_create,
    portfolio_assign,
)

PORTFOLIO = ["vendee-logistique", "brioche-vendeenne"]


class Command(BaseCommand):
    help = "Creates the demo service manager sm1, their portfolio and a steering committee."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        manager = User.objects.filter(username="manager").first()
        clients = list(Client.objects.filter(code__in=PORTFOLIO).order_by("name"))
        if manager is None or len(clients) != len(PORTFOLIO):
            raise CommandError("Run seed_demo first (manager and demo clients missing).")
        group, _ = Group.objects.get_or_create(name=SERVICE_MANAGER_GROUP)
        sm, created = User.objects.get_or_create(
            username="sm1",
            defaults={
                "first_name": "Claire",
                "last_name": "Bernard",
                "email": "sm1@oceanis.fr",
                "is_staff": True,
            },
        )
        if created:
            sm.password = demo_password_hash()
            sm.save()
        sm.groups.add(group, *Group.objects.filter(name=TECHNICIAN_GROUP))
        Technician.objects.get_or_create(
            user=sm, defaults={"level": Level.EXPERT, "team": Team.RUN, "available": False}
        )
        deputy = User.objects.filter(username="deputy").first()
        if deputy is not None:
            deputy.groups.add(group)
        for client in clients:
            if not Assignment.objects.filter(client=client).exists():
                backup = deputy if client.code == "vendee-logistique" else None
                portfolio_assign(client=client, service_manager=sm, backup=backup, by=manager)
        vendee = next(c for c in clients if c.code == "vendee-logistique")
        if not SteeringCommittee.objects.filter(client=vendee).exists():
            self._committee(vendee, sm)
        self.stdout.write(self.style.SUCCESS("Service manager: sm1 (portefeuille, comités)."))

    def _committee(self, client: Client, sm) -> None:
        today = timezone.localdate()
        contacts = list(client.contacts.filter(is_active=True).order_by("pk")[:2])
        committee = committee_create(
            client=client,
            held_on=today - dt.timedelta(days=21),
            by=sm,
            staff_attendees=[sm],
            contact_attendees=contacts,
            other_attendees="Responsable logistique du site des Herbiers",
            decisions=(
                "Passage du quai 3 en supervision 24x7 validé.\n"
                "Revue trimestrielle de la satisfaction : prochaine au comité suivant."
            ),
            actions=[
                ActionDraft(
                    description="Étendre la supervision aux scanners du quai 3",
                    owner_user=sm,
                    due_date=today + dt.timedelta(days=10),
                ),
                ActionDraft(
                    description="Transmettre l'inventaire des équipements réseau",
                    owner_contact=contacts[0] if contacts else None,
                    owner_name="" if contacts else "Vendée Logistique",
                    due_date=today - dt.timedelta(days=7),
                ),
            ],
        )
        done = committee.actions.order_by("pk").last()
        if done is not None:
            committee_action_set_done(
                action=done, by=sm, done=True, on=today - dt.timedelta(days=9)
            )
