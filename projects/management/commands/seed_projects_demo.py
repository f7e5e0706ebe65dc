"""Demo BUILD projects on top of ``seed_demo``: idempotent, safe to run on every ``make run``.

Six projects for demo clients, in every phase, driven by a demo integration project manager
("cdp", same demo password), with milestones, deliverables, provisioning tasks, bookings of the
BUILD experts projet1 and projet2 over the coming weeks (the manager adds a day to a week already
partly booked: it fills up, never beyond what the engineer has free), an absence, a planned
intervention, a linked ticket, an L3 escalation and, when the extranet is
installed, a shared document. Dates are relative to today so the demo always looks current.
A project that already exists is left untouched.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from sla.policy import HoursPlan, Urgency
from staff.models import Technician
from tickets.management.commands.seed_demo import demo_password_hash
from tickets.models import Channel
from tickets.planning import intervention_plan
from tickets.services import ticket_assign, ticket_create

from ... import services
from ...booking import book
from ...capacity import week_start
from ...documents import document_model
from ...links import escalate_to_build_engineer, ticket_link_project
from ...models import Absence, Project

PATHS = {
    "ordered": [],
    "planning": ["plan"],
    "provisioning": ["plan", "provision"],
    "integration": ["plan", "provision", "integrate"],
    "acceptance": ["plan", "provision", "integrate", "start_acceptance"],
    "in_production": ["plan", "provision", "integrate", "start_acceptance", "go_live"],
    "on_hold": ["plan", "provision", "hold"],
}
# Projects whose engineers are booked over the coming weeks (not yet planned, paused or live ones
# have nobody booked).
BOOKED_PHASES = {"planning", "provisioning", "integration", "acceptance"}
# client code, name, kind, final state, weeks to go-live, architect
PROJECTS = [
    ("vendee-logistique", "VPN inter-sites", "vpn", "integration", 4, "tech7"),
    ("atlantic-sante", "Infogérance serveurs Challans", "managed", "acceptance", 1, "tech6"),
    ("oceane-transports", "Colocation baie Nantes", "colocation", "planning", 8, "tech7"),
    ("mairie-givrand", "Connectivité fibre mairie", "connectivity", "ordered", 10, "tech6"),
    ("brioche-vendeenne", "Projet migration M365", "managed", "in_production", -2, "tech7"),
    ("port-yeu", "VPN capitainerie", "vpn", "on_hold", 6, "tech6"),
]
MILESTONES = [
    ("Réunion de lancement", -14),
    ("Dossier d'architecture validé", -3),
    ("Provisioning terminé", 7),
    ("Recette client", 21),
]
# A project in production went through all of them: its calendar ends before its go-live.
LIVE_SHIFT = -28
# A milestone is reached on its due date, in the afternoon (never after: it would be late).
REACHED_AT = dt.time(16, 0)
RUN_TERMS = {
    "run_hours_plan": HoursPlan.EXTENDED,
    "run_gti_critical_minutes": 60,
    "run_gti_very_blocking_minutes": 240,
    "run_gti_slightly_blocking_minutes": 480,
    "run_gti_non_blocking_minutes": 960,
}


class Command(BaseCommand):
    help = "Projets BUILD de démonstration (après seed_demo) ; idempotent."

    def handle(self, *args, **options):
        people = {
            t.user.username: t
            for t in Technician.objects.select_related("user").filter(
                user__username__in=["manager", "projet1", "projet2", "tech5", "tech6", "tech7"]
            )
        }
        missing = {"manager", "projet1", "projet2", "tech5", "tech6", "tech7"} - set(people)
        if missing:
            raise CommandError(
                f"Missing demo staff {', '.join(sorted(missing))}: run `manage.py seed_demo` first."
            )
        codes = [code for code, *_rest in PROJECTS]
        clients = {c.code: c for c in Client.objects.filter(code__in=codes)}
        if len(clients) != len(set(codes)):
            raise CommandError("Demo clients are missing: run `manage.py seed_demo` first.")
        created = 0
        with transaction.atomic():
            cdp = self._project_manager()
            for spec in PROJECTS:
                created += self._project(spec, clients[spec[0]], cdp, people)
            if created:
                self._absence(people["projet2"], cdp)
                self._manager_booking(clients["oceane-transports"], people)
        if created:
            self.stdout.write(self.style.SUCCESS(f"{created} demo projects created."))
        else:
            self.stdout.write("Demo projects already present: nothing to add.")
        self.stdout.write(
            "  cdp – Inès Caron, cheffe de projet intégration (password: oceanis-demo)\n"
            "  Projects: http://127.0.0.1:8000/projects/   "
            "Capacity: http://127.0.0.1:8000/projects/capacite/"
        )

    def _project_manager(self):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username="cdp",
            defaults={
                "first_name": "Inès",
                "last_name": "Caron",
                "email": "cdp@oceanis.fr",
                "is_staff": True,
            },
        )
        if created:
            user.password = demo_password_hash()
            user.save()
        return user

    def _project(self, spec, client, cdp, people) -> int:
        code, name, kind, final, weeks, architect = spec
        if Project.objects.filter(client=client, name=name).exists():
            return 0
        today = timezone.localdate()
        project = services.project_create(
            client=client,
            name=name,
            kind=kind,
            by=cdp,
            project_manager=cdp,
            solution_architect=people[architect].user,
            po_reference=f"BC-{today.year}-{100 + PROJECTS.index(spec):04d}",
            po_date=today - dt.timedelta(days=30),
            target_go_live=today + dt.timedelta(weeks=weeks),
            description=f"Projet {name} pour {client.name}, du bon de commande à la production.",
        )
        if final in ("acceptance", "in_production"):
            services.project_update(
                project=project, by=cdp, values={**RUN_TERMS, "run_referent": people["tech5"]}
            )
        shift = LIVE_SHIFT if final == "in_production" else 0
        for label, offset in MILESTONES:
            due = today + dt.timedelta(days=offset + shift)
            milestone = services.milestone_add(project=project, name=label, due_date=due, by=cdp)
            if due < today and final != "ordered":
                reached = dt.datetime.combine(due, REACHED_AT, timezone.get_current_timezone())
                services.milestone_complete(milestone=milestone, by=cdp, at=reached)
        services.deliverable_add(project=project, name="Dossier d'architecture technique", by=cdp)
        services.deliverable_add(project=project, name="Procès-verbal de recette", by=cdp)
        services.task_add(
            project=project,
            title="Configuration des équipements réseau",
            category="network",
            assignee=people["tech5"],
            due_date=today + dt.timedelta(days=7),
            by=cdp,
        )
        services.task_add(
            project=project,
            title="Préparation des serveurs",
            category="servers",
            assignee=people["tech6"],
            due_date=today + dt.timedelta(days=10),
            by=cdp,
        )
        if final in BOOKED_PHASES:
            self._bookings(project, people, cdp)
        if final == "integration":
            self._ticket_work(project, people, cdp)
        for action in PATHS[final]:
            note = "Client en attente de son budget." if action == "hold" else ""
            services.project_transition(project=project, action=action, by=cdp, note=note)
        self._document(project, cdp)
        return 1

    def _bookings(self, project, people, cdp) -> None:
        """Half of each expert's weeks on this project, alternating, over the coming weeks."""
        index = list(Project.objects.order_by("pk").values_list("pk", flat=True)).index(project.pk)
        monday = week_start(timezone.localdate()) + dt.timedelta(weeks=1)
        engineer = people["projet1"] if index % 2 == 0 else people["projet2"]
        for week in range(index % 3, 8, 3):
            start = monday + dt.timedelta(weeks=week, days=index % 2)
            book(
                project=project,
                engineer=engineer,
                start=start,
                end=start + dt.timedelta(days=1),
                by=cdp,
                force=False,
            )

    def _ticket_work(self, project, people, cdp) -> None:
        """A linked ticket with an on-site intervention by projet1 and an L3 escalation."""
        ticket = ticket_create(
            client=project.client,
            title="Coupure du tunnel VPN entre les deux sites",
            urgency=Urgency.VERY_BLOCKING,
            channel=Channel.PHONE,
            equipment=project.name,
            by=cdp,
        )
        # Routing a ticket to a technician is the manager's arbitration (staff.policy).
        ticket_assign(ticket=ticket, technician=people["tech5"], by=people["manager"].user)
        ticket_link_project(ticket=ticket, project=project, by=cdp)
        escalate_to_build_engineer(
            ticket=ticket,
            engineer=people["projet1"],
            by=people["tech5"].user,
            reason="Négociation IPsec en échec : expertise de l'intégrateur du VPN.",
        )
        thursday = week_start(timezone.localdate()) + dt.timedelta(weeks=1, days=3)
        intervention_plan(
            ticket=ticket,
            technician=people["projet1"],
            starts_at=dt.datetime.combine(thursday, dt.time(9, 0), timezone.get_current_timezone()),
            duration=dt.timedelta(hours=3),
            mode="on_site",
            travel_minutes=60,
            by=cdp,
        )

    def _absence(self, engineer, cdp) -> None:
        """Thursday and Friday, days the engineer's bookings leave free."""
        thursday = week_start(timezone.localdate()) + dt.timedelta(weeks=2, days=3)
        Absence.objects.get_or_create(
            technician=engineer,
            start=thursday,
            defaults={"end": thursday + dt.timedelta(days=1), "reason": "leave", "created_by": cdp},
        )

    def _manager_booking(self, client, people) -> None:
        """The manager adds projet1's free Wednesday to a week already partly booked (Monday,
        Tuesday, Thursday morning's intervention): the week is nearly full, not over-booked."""
        project = Project.objects.get(client=client, name="Colocation baie Nantes")
        wednesday = week_start(timezone.localdate()) + dt.timedelta(weeks=1, days=2)
        book(
            project=project,
            engineer=people["projet1"],
            start=wednesday,
            half="day",
            by=people["manager"].user,
            note="Bascule avancée à la demande du client.",
        )

    def _document(self, project, cdp) -> None:
        if document_model() is None or project.state != "in_production":
            return
        from extranet.services import document_add

        document_add(
            client=project.client,
            name="dossier-exploitation.txt",
            content=f"Dossier d'exploitation – {project.name}\n".encode(),
            by=cdp,
            title="Dossier d'exploitation",
            project=project.name,
        )
