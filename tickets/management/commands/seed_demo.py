"""Load the demo dataset: the Oceanis centre, ~15 clients and ~200 tickets over the last 60 days.

Deterministic (fixed seed) and idempotent: people, clients and contracts are matched by their
natural keys, and tickets are only generated when the demo clients have none yet.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clients.models import Client, Contact, Contract, Site
from sla.policy import HoursPlan, Urgency
from staff.models import DEPUTY_GROUP, MANAGER_GROUP, TECHNICIAN_GROUP, Level, Team, Technician
from tickets import services
from tickets.models import (
    Channel,
    Kind,
    PendingOn,
    ServiceType,
    State,
    TechnicalDomain,
    Ticket,
    TicketEvent,
)

PARIS = ZoneInfo("Europe/Paris")
DEMO_PASSWORD = "oceanis-demo"  # noqa: S105 - published demo credential
SEED = 2026

STAFF = [
    # username, first, last, level, team, groups
    ("manager", "Sophie", "Garnier", Level.EXPERT, Team.SERVICE_DESK, [MANAGER_GROUP]),
    ("deputy", "Marc", "Lefèvre", Level.EXPERT, Team.SERVICE_DESK, [DEPUTY_GROUP]),
    ("tech1", "Julien", "Morel", Level.STANDARD, Team.SERVICE_DESK, []),
    ("tech2", "Camille", "Roux", Level.STANDARD, Team.SERVICE_DESK, []),
    ("tech3", "Thomas", "Fournier", Level.CONFIRMED, Team.SERVICE_DESK, []),
    ("tech4", "Laura", "Girard", Level.CONFIRMED, Team.SERVICE_DESK, []),
    ("tech5", "Nicolas", "Bonnet", Level.CONFIRMED, Team.RUN, []),
    ("tech6", "Émilie", "Dupuis", Level.EXPERT, Team.RUN, []),
    ("tech7", "Antoine", "Lambert", Level.EXPERT, Team.RUN, []),
    ("projet1", "Claire", "Fontaine", Level.EXPERT, Team.BUILD, []),
    ("projet2", "Hugo", "Chevalier", Level.EXPERT, Team.BUILD, []),
]

# code, name, sites, hours plan, contract kind, billing
CLIENTS = [
    (
        "vendee-logistique",
        "Vendée Logistique",
        ["Les Herbiers", "La Roche-sur-Yon"],
        HoursPlan.ON_CALL,
        "managed",
        "flat_fee",
    ),
    (
        "atlantic-sante",
        "Clinique Atlantic Santé",
        ["Challans", "Saint-Gilles"],
        HoursPlan.ON_CALL,
        "managed",
        "flat_fee",
    ),
    ("mairie-givrand", "Mairie de Givrand", [], HoursPlan.STANDARD, "managed", "flat_fee"),
    (
        "oceane-transports",
        "Océane Transports",
        ["Nantes", "Cholet", "Angers"],
        HoursPlan.EXTENDED,
        "managed",
        "flat_fee",
    ),
    ("cave-noirmoutier", "Cave de Noirmoutier", [], HoursPlan.STANDARD, "managed", "billable"),
    (
        "bocage-agri",
        "Coopérative du Bocage",
        ["Pouzauges", "Montaigu"],
        HoursPlan.EXTENDED,
        "managed",
        "flat_fee",
    ),
    ("cabinet-morin", "Cabinet d'avocats Morin", [], HoursPlan.STANDARD, "none", "billable"),
    ("sables-nautic", "Sables Nautic", [], HoursPlan.STANDARD, "managed", "billable"),
    ("ehpad-les-pins", "EHPAD Les Pins", [], HoursPlan.ON_CALL, "managed", "flat_fee"),
    (
        "brioche-vendeenne",
        "Brioche Vendéenne SA",
        ["Usine", "Siège"],
        HoursPlan.EXTENDED,
        "managed",
        "flat_fee",
    ),
    ("immo-littoral", "Immobilier du Littoral", [], HoursPlan.STANDARD, "none", "billable"),
    ("menuiserie-guerin", "Menuiserie Guérin", [], HoursPlan.STANDARD, "managed", "flat_fee"),
    ("lycee-atlantique", "Lycée Atlantique", [], HoursPlan.EXTENDED, "managed", "flat_fee"),
    (
        "pharma-ouest",
        "Pharmacie de l'Ouest",
        ["Saint-Jean-de-Monts", "Fromentine"],
        HoursPlan.STANDARD,
        "managed",
        "billable",
    ),
    ("port-yeu", "Port de l'Île d'Yeu", [], HoursPlan.ON_CALL, "managed", "flat_fee"),
]

FIRST_NAMES = [
    "Pierre",
    "Isabelle",
    "Jean",
    "Nathalie",
    "Philippe",
    "Sandrine",
    "Olivier",
    "Valérie",
    "Éric",
    "Céline",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
]

TITLES = [
    (
        "Messagerie inaccessible pour tous les utilisateurs",
        Urgency.CRITICAL,
        TechnicalDomain.MESSAGING,
    ),
    ("Serveur de fichiers hors ligne", Urgency.CRITICAL, TechnicalDomain.SYSTEMS),
    ("Sauvegarde en échec cette nuit", Urgency.VERY_BLOCKING, TechnicalDomain.BACKUP),
    ("Disque en erreur sur la grappe RAID5", Urgency.VERY_BLOCKING, TechnicalDomain.SYSTEMS),
    ("VPN site à site coupé", Urgency.VERY_BLOCKING, TechnicalDomain.NETWORK),
    ("Imprimante du 1er étage bloquée", Urgency.SLIGHTLY_BLOCKING, TechnicalDomain.WORKSTATION),
    (
        "Lenteurs sur l'application de gestion",
        Urgency.SLIGHTLY_BLOCKING,
        TechnicalDomain.APPLICATION,
    ),
    ("Téléphone du standard sans tonalité", Urgency.SLIGHTLY_BLOCKING, TechnicalDomain.TELEPHONY),
    ("Question sur Word : publipostage", Urgency.NON_BLOCKING, TechnicalDomain.WORKSTATION),
    ("Installation d'un logiciel sur un poste", Urgency.NON_BLOCKING, TechnicalDomain.WORKSTATION),
    (
        "Création d'une boîte mail pour un nouvel arrivant",
        Urgency.NON_BLOCKING,
        TechnicalDomain.MESSAGING,
    ),
    ("Alerte antivirus sur un poste", Urgency.SLIGHTLY_BLOCKING, TechnicalDomain.SECURITY),
]

REPORTS = [
    "Connexion à distance, redémarrage du service concerné.",
    "Analyse des journaux : erreur d'authentification corrigée.",
    "Remplacement du disque défectueux, reconstruction RAID lancée.",
    "Mise à jour du pilote et test d'impression concluant.",
    "Appel du contact pour valider le fonctionnement.",
]

RESOLUTIONS = [
    "Service redémarré et fonctionnement vérifié avec l'utilisateur.",
    "Paramétrage corrigé ; le contact a confirmé que tout fonctionne.",
    "Matériel remplacé, tests concluants.",
    "Mise à jour appliquée, incident clos côté éditeur.",
]

# Share of tickets ending in each state (every state appears).
STATE_WEIGHTS = [
    (State.NEW, 6),
    (State.ASSIGNED, 8),
    (State.IN_PROGRESS, 10),
    (State.PENDING, 6),
    (State.RESOLVED, 8),
    (State.CLOSED, 58),
    (State.CANCELLED, 4),
]


@functools.cache
def demo_password_hash() -> str:
    """The demo password hashed once for every demo account: each hash is built to be slow
    (PBKDF2), and a dozen of them were a third of the time spent seeding. The password is
    published anyway."""
    return make_password(DEMO_PASSWORD)


def contact_names() -> list[tuple[str, str]]:
    """Every (first, last) pair once, in a fixed order: no two contacts share a name, at one
    client or across clients (a demo visitor would take them for the same person)."""
    size = len(FIRST_NAMES)
    return [
        (FIRST_NAMES[k % size], LAST_NAMES[(k // size + k * 3) % len(LAST_NAMES)])
        for k in range(size * len(LAST_NAMES))
    ]


# The readers that keep a "processed" mark per event, and the mark seeded history gets.
HISTORY_MARKS = {
    ("notifications", "EventDispatch"): {"note": "demo history"},
    ("notices", "DerivedEvent"): {},
}


def mark_as_history(events) -> None:
    """Mark seeded events as already read by the readers whose sweepers look back for events
    nobody told them of (client mails: 24 h, staff notices: 48 h): starting the scheduler
    after a seed mails no client and notifies nobody about backdated demo history.

    Through the app registry: tickets/ imports none of the apps that read its log."""
    ids = list(events.values_list("pk", flat=True))
    for (app, name), fields in HISTORY_MARKS.items():
        if not apps.is_installed(app):
            continue
        model = apps.get_model(app, name)
        model.objects.bulk_create(
            [model(event_id=pk, **fields) for pk in ids], ignore_conflicts=True, batch_size=500
        )


class Command(BaseCommand):
    help = "Load deterministic demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=200, help="Tickets to generate.")

    def handle(self, *args, tickets: int, **options):
        rng = random.Random(SEED)
        with transaction.atomic():
            technicians = self._staff()
            clients = self._clients(rng, technicians)
        demo_codes = [code for code, *_ in CLIENTS]
        if Ticket.objects.filter(client__code__in=demo_codes).exists():
            self.stdout.write("Demo tickets already present: nothing to add.")
        else:
            # One transaction: nothing is announced on commit, and one commit instead of one per
            # event is most of what is left of the time spent (SQLite syncs each to disk).
            with services.ticket_events_as_history(), transaction.atomic():
                self._tickets(rng, clients, technicians, tickets)
                mark_as_history(TicketEvent.objects.filter(ticket__client__code__in=demo_codes))
        self.stdout.write(self.style.SUCCESS(self.logins()))

    @staticmethod
    def logins() -> str:
        return (
            f"Demo logins (password for all: {DEMO_PASSWORD}):\n"
            "  manager  – Sophie Garnier, responsable du centre\n"
            "  deputy   – Marc Lefèvre, suppléant\n"
            "  tech1 … tech7 – techniciens et experts; projet1, projet2 – pôle Projets\n"
            "  Back-office: http://127.0.0.1:8000/   Admin: http://127.0.0.1:8000/admin/"
        )

    def _staff(self) -> list[Technician]:
        User = get_user_model()
        for name in (MANAGER_GROUP, DEPUTY_GROUP, TECHNICIAN_GROUP):
            Group.objects.get_or_create(name=name)
        technicians = []
        for username, first, last, level, team, groups in STAFF:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@oceanis.fr",
                    "is_staff": True,
                    "is_superuser": username == "manager",
                },
            )
            if created:
                user.password = demo_password_hash()
                user.save()
            user.groups.add(*Group.objects.filter(name__in=[*groups, TECHNICIAN_GROUP]))
            tech, _ = Technician.objects.get_or_create(
                user=user, defaults={"level": level, "team": team, "phone": "02 51 00 00 00"}
            )
            technicians.append(tech)
        return technicians

    def _clients(self, rng: random.Random, technicians: list[Technician]) -> list[Client]:
        clients = []
        referents = [t for t in technicians if t.team != Team.BUILD]
        names = contact_names()
        for i, (code, name, sites, plan, kind, billing) in enumerate(CLIENTS):
            client, _ = Client.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "multi_site": bool(sites),
                    "notification_recipients": f"dsi@{code}.example",
                },
            )
            for site_name in sites:
                Site.objects.get_or_create(client=client, name=site_name)
            Contract.objects.get_or_create(
                client=client,
                name="Contrat d'infogérance" if kind == "managed" else "Intervention à la demande",
                defaults={
                    "kind": kind,
                    "hours_plan": plan,
                    "billing": billing,
                    "hourly_rate": 85 if billing == "billable" else None,
                    "referent": referents[i % len(referents)] if kind == "managed" else None,
                    "start_date": dt.date(2024, 1, 1),
                },
            )
            site_list = list(client.sites.all())
            for j in range(2 if not sites else 3):
                first, last = names.pop(0)
                Contact.objects.get_or_create(
                    client=client,
                    email=f"{first.lower()}.{last.lower()}@{code}.example".replace("é", "e"),
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "phone": f"02 51 {10 + i:02d} {20 + j:02d} 00",
                        "site": site_list[j % len(site_list)] if site_list else None,
                        "is_client_admin": j == 0,
                    },
                )
            clients.append(client)
        return clients

    def _tickets(self, rng, clients, technicians, count: int) -> None:
        now = timezone.now()
        workers = [t for t in technicians if t.team != Team.BUILD]
        states = [s for s, _ in STATE_WEIGHTS]
        weights = [w for _, w in STATE_WEIGHTS]
        contacts = {c.pk: list(c.contacts.all()) for c in clients}
        plan = []
        for _ in range(count):
            # Business-hours-ish creation instants over the last 60 days, older first.
            day = (now - dt.timedelta(days=rng.randint(0, 59))).astimezone(PARIS).date()
            created = dt.datetime.combine(
                day, dt.time(rng.randint(8, 17), rng.choice([0, 10, 20, 30, 40, 50])), PARIS
            )
            if created >= now:
                created = now - dt.timedelta(minutes=rng.randint(5, 120))
            plan.append(created)
        plan.sort()
        for created in plan:
            client = rng.choice(clients)
            title, urgency, domain = rng.choice(TITLES)
            contact = rng.choice(contacts[client.pk])
            target = rng.choices(states, weights)[0]
            # Recent tickets are the open ones; old ones are closed.
            age_days = (now - created).days
            if age_days > 14 and target in (State.NEW, State.ASSIGNED, State.IN_PROGRESS):
                target = State.CLOSED
            ticket = services.ticket_create(
                client=client,
                title=title,
                description=f"{title}. Signalé par {contact}.",
                urgency=urgency,
                channel=rng.choice(
                    [
                        Channel.PHONE,
                        Channel.PHONE,
                        Channel.EMAIL,
                        Channel.MONITORING,
                        Channel.TECHNICIAN,
                    ]
                ),
                kind=Kind.INCIDENT
                if urgency in (Urgency.CRITICAL, Urgency.VERY_BLOCKING)
                else Kind.REQUEST,
                complexity=rng.choice(
                    [Level.STANDARD, Level.STANDARD, Level.CONFIRMED, Level.EXPERT]
                ),
                contact=contact,
                site=contact.site,
                technical_domain=domain,
                service_type=rng.choice(list(ServiceType.values)),
                equipment=rng.choice(["", "Serveur SRV-01", "Pare-feu", "Projet migration M365"]),
                created_at=created,
            )
            self._advance(rng, ticket, target, created, now, workers)

    def _advance(self, rng, ticket, target, created, now, workers) -> None:
        if target == State.NEW:
            return
        tech = rng.choice(workers)
        user = tech.user
        clock = created + dt.timedelta(minutes=rng.randint(2, 20))

        def step(minutes_low, minutes_high):
            nonlocal clock
            clock = min(clock + dt.timedelta(minutes=rng.randint(minutes_low, minutes_high)), now)
            return clock

        if target == State.CANCELLED:
            services.ticket_cancel(ticket=ticket, by=user, reason="Doublon", at=step(0, 10))
            return
        services.ticket_assign(ticket=ticket, technician=tech, by=user, at=step(0, 5))
        if target == State.ASSIGNED:
            return
        # Mostly within the GTI, sometimes late: the demo shows both met and breached.
        services.ticket_take_in_charge(
            ticket=ticket, by=user, at=step(5, 300 if rng.random() < 0.85 else 1500)
        )
        services.ticket_add_entry(
            ticket=ticket,
            by=user,
            body=rng.choice(REPORTS),
            public=True,
            minutes_spent=rng.choice([10, 15, 30, 45, 60]),
            at=step(5, 90),
        )
        if rng.random() < 0.3:
            services.ticket_add_entry(
                ticket=ticket,
                by=user,
                body="Note interne : voir avec le référent.",
                public=False,
                at=step(1, 30),
            )
        if target == State.IN_PROGRESS:
            return
        if target == State.PENDING or rng.random() < 0.2:
            services.ticket_set_pending(
                ticket=ticket,
                by=user,
                reason="En attente du retour du client",
                on=PendingOn.CLIENT,
                at=step(5, 60),
            )
            if target == State.PENDING:
                return
            services.ticket_resume(ticket=ticket, by=user, at=step(60, 600))
        services.ticket_resolve(
            ticket=ticket, by=user, note=RESOLUTIONS[ticket.pk % len(RESOLUTIONS)], at=step(10, 600)
        )
        if target == State.RESOLVED:
            return
        services.ticket_close(
            ticket=ticket,
            by=user,
            synthesis="Incident résolu, cause identifiée et corrigée.",
            at=step(10, 600),
        )
