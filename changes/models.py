"""Problem records and change requests (RUN engineering), each with a state machine and a log.

As for tickets, the FSM methods below change the state only (the field is protected); the
functions in ``changes.services`` lock the row, check the business rules, apply the transition and
append one log line, in one transaction.

Problem:  new → analysing → known_error → resolved → closed
          (analysing → resolved directly when no workaround was needed; resolved → analysing
          when the fix did not hold)
Change:   draft → submitted → approved | rejected; approved → scheduled → implemented →
          reviewed → closed; rejected → draft (rework) or closed. A standard change is
          pre-approved on submission and may be closed right after implementation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from oceanis.models import AppendOnlyModel


class Problem(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        NEW = "new", _("Nouveau")
        ANALYSING = "analysing", _("En analyse")
        KNOWN_ERROR = "known_error", _("Erreur connue")
        RESOLVED = "resolved", _("Résolu")
        CLOSED = "closed", _("Clos")

    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    root_cause = models.TextField(_("cause racine"), blank=True)
    workaround = models.TextField(
        _("solution de contournement"),
        blank=True,
        help_text=_("Documentée, elle fait du problème une erreur connue."),
    )
    owner = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("responsable"),
    )
    incidents = models.ManyToManyField(
        "incidents.MajorIncident",
        related_name="problems",
        blank=True,
        verbose_name=_("incidents majeurs liés"),
    )
    tickets = models.ManyToManyField(
        "tickets.Ticket", related_name="problems", blank=True, verbose_name=_("demandes liées")
    )
    state = FSMField(_("état"), max_length=16, choices=State, default=State.NEW, protected=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("problème")
        verbose_name_plural = _("problèmes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"

    @property
    def reference(self) -> str:
        return f"PB-{self.pk:05d}" if self.pk else "PB-?"

    @transition(field=state, source=State.NEW, target=State.ANALYSING)
    def start_analysis(self):
        """RUN engineering starts the investigation."""

    @transition(field=state, source=State.ANALYSING, target=State.KNOWN_ERROR)
    def declare_known_error(self):
        """The cause is identified and a workaround is documented."""

    @transition(field=state, source=[State.ANALYSING, State.KNOWN_ERROR], target=State.RESOLVED)
    def resolve(self):
        """The root cause is fixed."""

    @transition(field=state, source=State.RESOLVED, target=State.ANALYSING)
    def reopen(self):
        """The fix did not hold."""

    @transition(field=state, source=State.RESOLVED, target=State.CLOSED)
    def close(self):
        """Confirmed fixed; nothing left to do."""


class TransitionLog(AppendOnlyModel):
    """One transition of a problem or a change: who, when, which action, why. Append-only."""

    action = models.CharField(max_length=32)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.from_state} → {self.to_state}"


class ProblemLog(TransitionLog):
    """One transition of a problem."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="log")
    from_state = models.CharField(max_length=16, choices=Problem.State, blank=True)
    to_state = models.CharField(max_length=16, choices=Problem.State)

    class Meta(TransitionLog.Meta):
        pass

    @property
    def subject_id(self) -> int:
        return self.problem_id


def _may_close(change: ChangeRequest) -> bool:
    # Only a standard change may skip the post-implementation review.
    return change.state != ChangeRequest.State.IMPLEMENTED or change.is_standard


class ChangeRequest(ConcurrentTransitionMixin, models.Model):
    class Type(models.TextChoices):
        STANDARD = "standard", _("Standard (pré-approuvé)")
        NORMAL = "normal", _("Normal")
        EMERGENCY = "emergency", _("Urgent")

    class Risk(models.TextChoices):
        LOW = "low", _("Faible")
        MEDIUM = "medium", _("Moyen")
        HIGH = "high", _("Élevé")

    class State(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Soumis")
        APPROVED = "approved", _("Approuvé")
        REJECTED = "rejected", _("Refusé")
        SCHEDULED = "scheduled", _("Planifié")
        IMPLEMENTED = "implemented", _("Réalisé")
        REVIEWED = "reviewed", _("Revu")
        CLOSED = "closed", _("Clôturé")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Réussi")
        PARTIAL = "partial", _("Réussi partiellement")
        ROLLED_BACK = "rolled_back", _("Échec, retour arrière effectué")

    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    change_type = models.CharField(_("type"), max_length=16, choices=Type, default=Type.NORMAL)
    risk = models.CharField(_("risque"), max_length=8, choices=Risk, default=Risk.MEDIUM)
    planned_start = models.DateTimeField(_("début de la fenêtre"), null=True, blank=True)
    planned_end = models.DateTimeField(_("fin de la fenêtre"), null=True, blank=True)
    implementation_plan = models.TextField(_("plan de mise en œuvre"), blank=True)
    rollback_plan = models.TextField(_("plan de retour arrière"), blank=True)
    client_notice = models.TextField(
        _("message aux clients"),
        blank=True,
        help_text=_("Affiché dans le planning de l'extranet des clients concernés."),
    )
    affected_clients = models.ManyToManyField(
        "clients.Client",
        related_name="change_requests",
        blank=True,
        verbose_name=_("clients concernés"),
    )
    problems = models.ManyToManyField(
        Problem, related_name="changes", blank=True, verbose_name=_("problèmes liés")
    )
    tickets = models.ManyToManyField(
        "tickets.Ticket",
        related_name="change_requests",
        blank=True,
        verbose_name=_("demandes liées"),
    )
    approvers = models.ManyToManyField(
        "staff.Technician",
        related_name="approvable_changes",
        blank=True,
        verbose_name=_("approbateurs désignés"),
        help_text=_("En plus du responsable du centre et de son adjoint (changements normaux)."),
    )
    state = FSMField(_("état"), max_length=16, choices=State, default=State.DRAFT, protected=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandeur"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approuvé par"),
    )
    approved_at = models.DateTimeField(_("approuvé le"), null=True, blank=True)
    pre_approved = models.BooleanField(_("pré-approuvé"), default=False)
    decision_note = models.TextField(_("motif de la décision"), blank=True)
    outcome = models.CharField(_("résultat"), max_length=16, choices=Outcome, blank=True)
    review_note = models.TextField(_("revue post-implémentation"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("demande de changement")
        verbose_name_plural = _("demandes de changement")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "planned_start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_start__isnull=True)
                | models.Q(planned_end__isnull=True)
                | models.Q(planned_end__gt=models.F("planned_start")),
                name="change_window_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"

    @property
    def reference(self) -> str:
        return f"CH-{self.pk:05d}" if self.pk else "CH-?"

    @property
    def is_standard(self) -> bool:
        return self.change_type == self.Type.STANDARD

    @property
    def is_editable(self) -> bool:
        """Only a draft is edited: what was approved is what gets implemented."""
        return self.state == self.State.DRAFT

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED)
    def submit(self):
        """Sent for approval (a standard change is then pre-approved at once)."""

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED)
    def approve(self):
        """The manager or a named approver accepts the change."""

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED)
    def reject(self):
        """Refused, with a reason."""

    @transition(field=state, source=State.REJECTED, target=State.DRAFT)
    def rework(self):
        """Back to draft to be corrected and submitted again."""

    @transition(field=state, source=State.APPROVED, target=State.SCHEDULED)
    def schedule(self):
        """Confirmed in its window: it now shows in the clients' planning."""

    @transition(field=state, source=State.SCHEDULED, target=State.IMPLEMENTED)
    def implement(self):
        """Carried out (or rolled back) in its window."""

    @transition(field=state, source=State.IMPLEMENTED, target=State.REVIEWED)
    def review(self):
        """Post-implementation review written."""

    @transition(
        field=state,
        source=[State.REVIEWED, State.IMPLEMENTED, State.REJECTED],
        target=State.CLOSED,
        conditions=[_may_close],
    )
    def close(self):
        """Nothing left to do (a normal or urgent change is reviewed first)."""


class ChangeLog(TransitionLog):
    """One transition of a change request."""

    change = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="log")
    from_state = models.CharField(max_length=16, choices=ChangeRequest.State, blank=True)
    to_state = models.CharField(max_length=16, choices=ChangeRequest.State)

    class Meta(TransitionLog.Meta):
        pass

    @property
    def subject_id(self) -> int:
        return self.change_id
