"""Tickets (requests and incidents), their immutable event log and reference numbering.

Models hold data and invariants only. Every change goes through ``tickets.services``; the FSM
transition methods below change nothing but the state so that services own all side effects.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from oceanis.models import AppendOnlyModel
from sla.policy import URGENCY_RANK, Urgency
from staff.models import Level

Complexity = Level  # the complexity scale is the technicians' level scale


class State(models.TextChoices):
    NEW = "new", _("Nouvelle")
    ASSIGNED = "assigned", _("Affectée")
    IN_PROGRESS = "in_progress", _("Prise en charge")
    PENDING = "pending", _("En attente")
    RESOLVED = "resolved", _("Résolue")
    CLOSED = "closed", _("Clôturée")
    CANCELLED = "cancelled", _("Annulée")


OPEN_STATES = (State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.PENDING)
NOT_TAKEN_STATES = (State.NEW, State.ASSIGNED)
# What a queue shows by default: open tickets and resolved ones still waiting to be closed.
ACTIVE_STATES = (*OPEN_STATES, State.RESOLVED)
# The queues' first sort key: 0 while the GTI clock runs (not yet taken in charge), 1 after.
# The queue indexes below are built on this very expression, so the sort reads them in order.
CLOCK_STOPPED = models.Case(
    models.When(state__in=NOT_TAKEN_STATES, then=models.Value(0)),
    default=models.Value(1),
    output_field=models.IntegerField(),
)
# The queues' "urgency" sort key: the urgency's rank (critical 4 … non-blocking 1).
URGENCY_ORDER = models.Case(
    *(models.When(urgency=str(u), then=models.Value(rank)) for u, rank in URGENCY_RANK.items()),
    output_field=models.IntegerField(),
)
# The deadline sort key of the queues and the dispatch list: the GTI deadline, a ticket without
# one last (as PostgreSQL sorts NULLs). Never NULL, so a keyset cursor always compares (a row
# comparison with a NULL is unknown: the tickets without GTI were unreachable) and the indexes
# built on it serve the lists alone.
NO_DEADLINE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
DEADLINE_ORDER = Coalesce(
    "gti_deadline", models.Value(NO_DEADLINE), output_field=models.DateTimeField()
)


class Kind(models.TextChoices):
    REQUEST = "request", _("Demande")
    INCIDENT = "incident", _("Incident")


class Channel(models.TextChoices):
    PHONE = "phone", _("Appel téléphonique")
    EMAIL = "email", _("Mail client")
    MONITORING = "monitoring", _("Alerte de supervision")
    TECHNICIAN = "technician", _("Décision d'un technicien")
    EXTRANET = "extranet", _("Extranet")
    API = "api", _("API")


class EscalationLevel(models.IntegerChoices):
    L1 = 1, _("N1 – Service desk")
    L2 = 2, _("N2 – Ingénierie RUN")
    L3 = 3, _("N3 – Experts BUILD")


class TechnicalDomain(models.TextChoices):
    NETWORK = "network", _("Réseau")
    SYSTEMS = "systems", _("Systèmes")
    MESSAGING = "messaging", _("Messagerie")
    SECURITY = "security", _("Sécurité")
    TELEPHONY = "telephony", _("Téléphonie")
    WORKSTATION = "workstation", _("Poste de travail")
    BACKUP = "backup", _("Sauvegarde")
    APPLICATION = "application", _("Applicatif")
    OTHER = "other", _("Autre")


class ServiceType(models.TextChoices):
    FIX = "fix", _("Dépannage")
    INSTALLATION = "installation", _("Installation")
    CONFIGURATION = "configuration", _("Paramétrage")
    ADVICE = "advice", _("Conseil / question")
    ON_SITE = "on_site", _("Intervention sur site")
    MAINTENANCE = "maintenance", _("Maintenance préventive")


class PendingOn(models.TextChoices):
    CLIENT = "client", _("En attente du client")
    THIRD_PARTY = "third_party", _("En attente d'un tiers")


class Ticket(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("référence"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("nature"), max_length=16, choices=Kind, default=Kind.REQUEST)
    title = models.CharField(_("objet"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(_("origine"), max_length=16, choices=Channel)

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("client")
    )
    contact = models.ForeignKey(
        "clients.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("contact"),
    )
    site = models.ForeignKey(
        "clients.Site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("site"),
    )
    contract = models.ForeignKey(
        "clients.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("contrat"),
    )
    # Frozen at creation so later contract edits never rewrite a ticket's history.
    contract_hours_plan = models.CharField(
        _("plages souscrites (figées)"), max_length=16, blank=True
    )
    gti_commitments = models.JSONField(
        _("engagements GTI (figés, minutes)"), default=dict, blank=True
    )

    urgency = models.CharField(_("urgence"), max_length=20, choices=Urgency)
    complexity = models.CharField(
        _("complexité"), max_length=16, choices=Complexity, default=Complexity.STANDARD
    )
    technical_domain = models.CharField(
        _("domaine technique"), max_length=16, choices=TechnicalDomain, blank=True
    )
    service_type = models.CharField(
        _("type de prestation"), max_length=16, choices=ServiceType, blank=True
    )
    equipment = models.CharField(_("matériel ou projet"), max_length=200, blank=True)
    billable = models.BooleanField(_("facturable"), default=False)

    assignee = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("technicien"),
    )
    # The owner (assignee) keeps the ticket and updates the client; an L2/L3 engineer may resolve.
    resolver = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolving_tickets",
        verbose_name=_("résolveur"),
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("niveau"), choices=EscalationLevel, default=EscalationLevel.L1
    )
    state = FSMField(_("état"), max_length=16, choices=State, default=State.NEW, protected=True)
    pending_on = models.CharField(_("attente"), max_length=16, choices=PendingOn, blank=True)
    pending_reason = models.CharField(_("motif d'attente"), max_length=255, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("mise à jour"), auto_now=True)
    taken_in_charge_at = models.DateTimeField(_("prise en charge le"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("résolue le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    closure_synthesis = models.TextField(_("commentaire de synthèse"), blank=True)

    # SLA: the rule in force, the deadline, and what was measured at first taking in charge.
    gti_basis = models.CharField(_("base GTI"), max_length=16, blank=True)
    gti_duration = models.DurationField(_("GTI"), null=True, blank=True)
    gti_deadline = models.DateTimeField(_("échéance GTI"), null=True, blank=True, db_index=True)
    # The instant 75 % of the GTI is consumed: makes "at risk" a plain indexed filter.
    gti_risk_at = models.DateTimeField(_("GTI à risque à partir de"), null=True, blank=True)
    ti_measured = models.DurationField(_("TI mesuré"), null=True, blank=True)
    gti_met = models.BooleanField(_("GTI respectée"), null=True, blank=True)
    sla_warning_level = models.PositiveSmallIntegerField(default=0, editable=False)
    treatment_business = models.DurationField(
        _("temps de traitement (ouvré)"), null=True, blank=True
    )
    treatment_wall = models.DurationField(
        _("temps de traitement (calendaire)"), null=True, blank=True
    )
    treatment_business_excl_client_wait = models.DurationField(
        _("temps de traitement hors attente client"), null=True, blank=True
    )

    # The conversation: the last time the client said something (mail, extranet comment,
    # confirmation, reopening) and the last public answer of Oceanis staff. A ticket "awaits our
    # answer" while the first is the later; both are stamped by the event log (services/base).
    last_client_activity_at = models.DateTimeField(
        _("dernière activité du client"), null=True, blank=True, editable=False
    )
    last_staff_reply_at = models.DateTimeField(
        _("dernière réponse d'Oceanis"), null=True, blank=True, editable=False
    )
    # A client who answers a closed ticket opens a new one: "suite de OC-…".
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("suite de"),
    )

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "gti_deadline"]),
            models.Index(fields=["client", "state"]),
            models.Index(fields=["assignee", "state"]),
            # Reports: per client and period, by creation, closure and taking in charge.
            models.Index(fields=["client", "created_at"]),
            models.Index(fields=["client", "closed_at"]),
            models.Index(fields=["closed_at"]),
            models.Index(fields=["taken_in_charge_at"]),
            models.Index(
                fields=["client", "created_at"],
                condition=models.Q(closed_at__isnull=True),
                name="ticket_open_client_created",
            ),
            # Queues and dispatch at any backlog (issue 23): partial indexes over the active
            # tickets only, so their size follows the open work, not the history. The first two
            # hold the queues' deadline order (keyset pages read them in order); the others
            # answer the counters by index-only counts (tickets.selectors.queue_counters).
            # The deadline key is DEADLINE_ORDER (never NULL): a keyset cursor on a ticket
            # without GTI compares like any other.
            models.Index(
                CLOCK_STOPPED,
                DEADLINE_ORDER,
                "created_at",
                "id",
                condition=models.Q(state__in=ACTIVE_STATES),
                name="ticket_active_queue_key",
            ),
            models.Index(
                "assignee",
                CLOCK_STOPPED,
                DEADLINE_ORDER,
                "created_at",
                "id",
                condition=models.Q(state__in=ACTIVE_STATES),
                name="ticket_active_owner_key",
            ),
            # The queues' other sorts: by creation (either way), by urgency then deadline.
            models.Index(
                "created_at",
                "id",
                condition=models.Q(state__in=ACTIVE_STATES),
                name="ticket_active_created_order",
            ),
            models.Index(
                URGENCY_ORDER.desc(),
                DEADLINE_ORDER,
                "id",
                condition=models.Q(state__in=ACTIVE_STATES),
                name="ticket_active_urgency_key",
            ),
            models.Index(
                DEADLINE_ORDER,
                "created_at",
                "id",
                condition=models.Q(state__in=OPEN_STATES),
                name="ticket_open_dispatch_order",
            ),
            models.Index(
                fields=["gti_deadline", "gti_risk_at", "assignee"],
                condition=models.Q(state__in=NOT_TAKEN_STATES),
                name="ticket_clock_running",
            ),
            models.Index(
                fields=["assignee", "urgency"],
                condition=models.Q(state__in=OPEN_STATES),
                name="ticket_open_owner_urgency",
            ),
            models.Index(
                fields=["assignee", "state", "gti_deadline"],
                condition=models.Q(state__in=ACTIVE_STATES, gti_met=False),
                name="ticket_active_gti_missed",
            ),
            models.Index(
                fields=["assignee"],
                condition=models.Q(
                    models.Q(state__in=ACTIVE_STATES, last_client_activity_at__isnull=False)
                    & (
                        models.Q(last_staff_reply_at__isnull=True)
                        | models.Q(last_client_activity_at__gt=models.F("last_staff_reply_at"))
                    )
                ),
                name="ticket_active_awaiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def urgency_rank(self) -> int:
        return URGENCY_RANK[self.urgency]

    # --- transitions: state only; services.py does the rest -------------------------------
    @transition(field=state, source=[State.NEW, State.ASSIGNED], target=State.ASSIGNED)
    def assign(self):
        """Give the ticket to a technician (reassignment keeps an assigned ticket assigned)."""

    @transition(field=state, source=[State.NEW, State.ASSIGNED], target=State.IN_PROGRESS)
    def take_in_charge(self):
        """A technician starts working on it: ends the intervention time (TI)."""

    @transition(field=state, source=State.IN_PROGRESS, target=State.PENDING)
    def put_pending(self):
        """Waiting on the client or a third party."""

    @transition(field=state, source=State.PENDING, target=State.IN_PROGRESS)
    def resume(self):
        """Work resumes after a pending period."""

    @transition(field=state, source=[State.IN_PROGRESS, State.PENDING], target=State.RESOLVED)
    def resolve(self):
        """Resolution actions are done; the client may confirm or reopen."""

    @transition(field=state, source=State.RESOLVED, target=State.CLOSED)
    def close(self):
        """Closed with a synthesis comment; ends the treatment time."""

    @transition(field=state, source=State.RESOLVED, target=State.IN_PROGRESS)
    def reopen(self):
        """The resolution did not hold."""

    @transition(field=state, source=[State.NEW, State.ASSIGNED], target=State.CANCELLED)
    def cancel(self):
        """Created by mistake or duplicate; never taken in charge."""


class EventKind(models.TextChoices):
    CREATED = "created", _("Création")
    TRANSITION = "transition", _("Changement d'état")
    ASSIGNED = "assigned", _("Affectation")
    REPORT = "report", _("Compte-rendu")
    NOTE = "note", _("Note interne")
    QUALIFICATION = "qualification", _("Requalification")
    URGENCY = "urgency", _("Changement d'urgence")
    ESCALATION = "escalation", _("Escalade")
    EMAIL_IN = "email_in", _("Mail reçu")
    EMAIL_OUT = "email_out", _("Mail envoyé")
    SLA_WARNING = "sla_warning", _("Alerte GTI")
    WATCHERS = "watchers", _("Abonnés")
    CLOSURE_REMINDER = "closure_reminder", _("Relance avant clôture")


class TicketEvent(AppendOnlyModel):
    """One immutable line of a ticket's history: the timeline, the audit trail and the outbox.

    Public events (reports, state changes) are visible to the client; internal notes never are.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    from_state = models.CharField(max_length=16, choices=State, blank=True)
    to_state = models.CharField(max_length=16, choices=State, blank=True)
    public = models.BooleanField(default=False)
    body = models.TextField(blank=True)
    minutes_spent = models.PositiveIntegerField(default=0)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("historique")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class ReferenceCounter(models.Model):
    """Last reference number issued per year (OC-YYYY-NNNNNN)."""

    year = models.PositiveIntegerField(_("année"), primary_key=True)
    last_number = models.PositiveIntegerField(_("dernier numéro"), default=0)

    class Meta:
        verbose_name = _("compteur de références")
        verbose_name_plural = _("compteurs de références")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the uploaded name on disk: a random name under the ticket avoids clashes and traversal.
    import uuid

    return f"attachments/{instance.ticket_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file on a ticket, served only through permission-checked views (never a public URL)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        TicketEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    public = models.BooleanField(_("visible du client"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class PlannedIntervention(models.Model):
    """An intervention planned on a ticket (on site or remote), shown in the client's planning."""

    class Mode(models.TextChoices):
        ON_SITE = "on_site", _("Sur site")
        REMOTE = "remote", _("À distance")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="interventions")
    technician = models.ForeignKey(
        "staff.Technician", on_delete=models.PROTECT, related_name="interventions"
    )
    starts_at = models.DateTimeField(_("début"))
    duration = models.DurationField(_("durée"))
    mode = models.CharField(_("modalité"), max_length=16, choices=Mode, default=Mode.REMOTE)
    travel_minutes = models.PositiveIntegerField(_("temps de trajet (min)"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    cancelled = models.BooleanField(_("annulée"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("intervention planifiée")
        verbose_name_plural = _("interventions planifiées")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + self.duration


class TicketWatcher(models.Model):
    """Someone who follows a ticket without owning it: a staff user (in-app notices) or a client
    contact (the client mails), added by hand or from the Cc of an inbound mail."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="watchers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="watched_tickets",
    )
    contact = models.ForeignKey(
        "clients.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="watched_tickets",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("abonné")
        verbose_name_plural = _("abonnés")
        ordering = ["added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, contact__isnull=True)
                | models.Q(user__isnull=True, contact__isnull=False),
                name="ticket_watcher_user_xor_contact",
            ),
            models.UniqueConstraint(
                fields=["ticket", "user"],
                condition=models.Q(user__isnull=False),
                name="ticket_watcher_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["ticket", "contact"],
                condition=models.Q(contact__isnull=False),
                name="ticket_watcher_once_per_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.user_id or self.contact_id}"


class TicketSeen(models.Model):
    """When a viewer last opened a ticket: client activity after it is "unread" for them."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "ticket"], name="ticket_seen_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.ticket_id} at {self.seen_at:%Y-%m-%d %H:%M}"
