"""Projects, their lifecycle, history, milestones, deliverables and provisioning tasks.

The FSM transition methods change nothing but the state: ``projects.services`` owns all side
effects (events, hand-over, timestamps).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition

from oceanis.models import AppendOnlyModel, ImmutableEventError  # noqa: F401 - re-exported
from sla.policy import HoursPlan


class State(models.TextChoices):
    ORDERED = "ordered", _("Commandé")
    PLANNING = "planning", _("Planification")
    PROVISIONING = "provisioning", _("Provisioning")
    INTEGRATION = "integration", _("Intégration")
    ACCEPTANCE = "acceptance", _("Recette")
    IN_PRODUCTION = "in_production", _("En production")
    CLOSED = "closed", _("Clôturé")
    ON_HOLD = "on_hold", _("En pause")
    CANCELLED = "cancelled", _("Annulé")


# The BUILD phases proper: a project in one of them can be paused, cancelled and booked.
ACTIVE_STATES = (
    State.ORDERED,
    State.PLANNING,
    State.PROVISIONING,
    State.INTEGRATION,
    State.ACCEPTANCE,
)


class Kind(models.TextChoices):
    VPN = "vpn", _("VPN")
    MANAGED = "managed", _("Infogérance")
    COLOCATION = "colocation", _("Colocation")
    CONNECTIVITY = "connectivity", _("Connectivité")


def _staff_users():
    return {"is_staff": True}


class Project(ConcurrentTransitionMixin, models.Model):
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("client"),
    )
    name = models.CharField(_("nom du projet"), max_length=200)
    kind = models.CharField(_("type de projet"), max_length=16, choices=Kind)
    description = models.TextField(_("description"), blank=True)
    po_reference = models.CharField(_("référence du bon de commande"), max_length=64, blank=True)
    po_date = models.DateField(_("date du bon de commande"), null=True, blank=True)
    solution_architect = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="architect_projects",
        limit_choices_to=_staff_users,
        verbose_name=_("solution architect"),
    )
    project_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_projects",
        limit_choices_to=_staff_users,
        verbose_name=_("chef de projet intégration"),
    )
    target_go_live = models.DateField(_("mise en production visée"), null=True, blank=True)
    state = FSMField(_("état"), max_length=16, choices=State, default=State.ORDERED, protected=True)
    # The phase a paused project returns to when it resumes.
    held_from = models.CharField(max_length=16, choices=State, blank=True, editable=False)

    # Terms of the managed-service contract handed over to RUN at go-live.
    run_hours_plan = models.CharField(
        _("plages horaires souscrites (RUN)"), max_length=16, choices=HoursPlan, blank=True
    )
    run_gti_critical_minutes = models.PositiveIntegerField(
        _("GTI critique (min)"), null=True, blank=True
    )
    run_gti_very_blocking_minutes = models.PositiveIntegerField(
        _("GTI très bloquant (min)"), null=True, blank=True
    )
    run_gti_slightly_blocking_minutes = models.PositiveIntegerField(
        _("GTI peu bloquant (min)"), null=True, blank=True
    )
    run_gti_non_blocking_minutes = models.PositiveIntegerField(
        _("GTI non bloquant (min)"), null=True, blank=True
    )
    run_referent = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("technicien référent (RUN)"),
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    went_live_at = models.DateTimeField(_("mis en production le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        ordering = [F("target_go_live").asc(nulls_last=True), "name"]
        constraints = [
            # Documents are matched to a project by its name within the client: keep it unique.
            models.UniqueConstraint(
                fields=["client", "name"], name="project_unique_name_per_client"
            )
        ]
        indexes = [models.Index(fields=["client", "state"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    # --- transitions: state only; services.py does the rest -------------------------------
    @transition(field=state, source=State.ORDERED, target=State.PLANNING)
    def plan(self):
        """The purchase order is in: the project manager plans resources and milestones."""

    @transition(field=state, source=State.PLANNING, target=State.PROVISIONING)
    def provision(self):
        """Network and servers are being provisioned."""

    @transition(field=state, source=State.PROVISIONING, target=State.INTEGRATION)
    def integrate(self):
        """BUILD engineers integrate the solution."""

    @transition(field=state, source=State.INTEGRATION, target=State.ACCEPTANCE)
    def start_acceptance(self):
        """The client tests the solution (recette)."""

    @transition(field=state, source=State.ACCEPTANCE, target=State.INTEGRATION)
    def rework(self):
        """Acceptance found defects: back to integration."""

    @transition(field=state, source=State.ACCEPTANCE, target=State.IN_PRODUCTION)
    def go_live(self):
        """In production: the service is handed over to RUN."""

    @transition(field=state, source=State.IN_PRODUCTION, target=State.CLOSED)
    def close(self):
        """Nothing left to do on the BUILD side."""

    @transition(field=state, source=ACTIVE_STATES, target=State.ON_HOLD)
    def hold(self):
        """Paused (client waiting, order suspended); remembers the phase it was in."""

    @transition(
        field=state,
        source=State.ON_HOLD,
        target=GET_STATE(lambda self: self.held_from, states=ACTIVE_STATES),
    )
    def resume(self):
        """Back to the phase the project was paused in."""

    @transition(field=state, source=[*ACTIVE_STATES, State.ON_HOLD], target=State.CANCELLED)
    def cancel(self):
        """The order is cancelled."""


class EventKind(models.TextChoices):
    CREATED = "created", _("Création")
    UPDATED = "updated", _("Modification")
    TRANSITION = "transition", _("Changement d'état")
    MILESTONE = "milestone", _("Jalon")
    FORCED_BOOKING = "forced_booking", _("Surréservation forcée")
    HANDOVER = "handover", _("Passage en RUN")
    TICKET_LINK = "ticket_link", _("Demande rattachée")
    ESCALATION = "escalation", _("Escalade N3")


class ProjectEvent(AppendOnlyModel):
    """One immutable line of a project's history (who, when, from which state to which, why)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    from_state = models.CharField(max_length=16, choices=State, blank=True)
    to_state = models.CharField(max_length=16, choices=State, blank=True)
    note = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("événement projet")
        verbose_name_plural = _("historique projet")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["project", "at"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("jalon"), max_length=200)
    due_date = models.DateField(_("échéance"))
    completed_at = models.DateTimeField(_("atteint le"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("jalon")
        verbose_name_plural = _("jalons")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.name

    def is_late(self, today) -> bool:
        return self.completed_at is None and self.due_date < today


class Deliverable(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Prévu")
        IN_PROGRESS = "in_progress", _("En cours")
        DELIVERED = "delivered", _("Livré")
        ACCEPTED = "accepted", _("Validé par le client")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deliverables")
    name = models.CharField(_("livrable"), max_length=200)
    status = models.CharField(_("statut"), max_length=16, choices=Status, default=Status.PLANNED)
    document_url = models.URLField(_("lien vers le document"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("livrable")
        verbose_name_plural = _("livrables")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class ProvisioningTask(models.Model):
    """Network or server provisioning, done by provisioning staff, driven by the project manager."""

    class Category(models.TextChoices):
        NETWORK = "network", _("Réseau")
        SERVERS = "servers", _("Serveurs")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        TO_DO = "todo", _("À faire")
        IN_PROGRESS = "in_progress", _("En cours")
        BLOCKED = "blocked", _("Bloquée")
        DONE = "done", _("Terminée")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("tâche"), max_length=200)
    category = models.CharField(_("catégorie"), max_length=16, choices=Category)
    assignee = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provisioning_tasks",
        verbose_name=_("attribuée à"),
    )
    status = models.CharField(_("statut"), max_length=16, choices=Status, default=Status.TO_DO)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(_("terminée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("tâche de provisioning")
        verbose_name_plural = _("tâches de provisioning")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.title
