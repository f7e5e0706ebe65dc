"""Client and staff emails delivered through an outbox, and inbound email kept before processing.

The ``TicketEvent`` log is the transactional outbox: each event is committed atomically with the
ticket change it describes. ``Notification`` rows are derived from events (one per event and
recipient, or per digest day and recipient) and carry the delivery state; ``EventDispatch``
marks an event whose rows were derived, so the sweeper can find events whose derivation was lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oceanis.delivery import DeliveryRow, DeliveryStatus


class NotificationKind(models.TextChoices):
    CREATED = "created", _("Création")
    TAKEN_IN_CHARGE = "taken_in_charge", _("Prise en charge")
    CLOSED = "closed", _("Clôture")
    SLA_WARNING = "sla_warning", _("Alerte GTI")
    DIGEST = "digest", _("Suivi quotidien")
    CLOSURE_REMINDER = "closure_reminder", _("Relance avant clôture")


class Notification(DeliveryRow):
    """One email to one recipient about one event (or one digest day): the delivery row.

    ``message_id`` is fixed before the first attempt and kept on every retry, so a mail re-sent
    after a lost lease is a copy the recipient's client drops, not a second mail.
    """

    Status = DeliveryStatus

    class Audience(models.TextChoices):
        CLIENT = "client", _("Client")
        STAFF = "staff", _("Oceanis")

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(
        "tickets.TicketEvent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    digest_date = models.DateField(_("jour du suivi"), null=True, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=NotificationKind)
    audience = models.CharField(_("public"), max_length=8, choices=Audience)
    recipient = models.EmailField(_("destinataire"))  # always lower-case
    language = models.CharField(_("langue"), max_length=2, default="fr")

    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("boîte d'envoi")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The idempotency keys: one row per (event, recipient) and per (digest day, ticket,
            # recipient), so planning twice never sends twice.
            models.UniqueConstraint(
                fields=["event", "recipient"],
                condition=Q(event__isnull=False),
                name="notification_once_per_event_recipient",
            ),
            models.UniqueConstraint(
                fields=["ticket", "digest_date", "recipient"],
                condition=Q(digest_date__isnull=False),
                name="notification_once_per_digest_recipient",
            ),
            models.CheckConstraint(
                condition=Q(event__isnull=False) | Q(digest_date__isnull=False),
                name="notification_has_a_source",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["ticket", "recipient", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_status_display()})"


class EventDispatch(models.Model):
    """Marks an event whose notification rows were derived (possibly none)."""

    event = models.OneToOneField(
        "tickets.TicketEvent",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_dispatch",
    )
    planned_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("événement traité")
        verbose_name_plural = _("événements traités")

    def __str__(self) -> str:
        return f"event {self.event_id}: {self.rows} row(s)"


class DigestDay(models.Model):
    """Marks a day whose 17:00 digest rows were planned (possibly none), so the sweeper plans a
    day missed at 17:00 (lost broker message, worker down) exactly once."""

    day = models.DateField(primary_key=True)
    planned_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("suivi quotidien planifié")
        verbose_name_plural = _("suivis quotidiens planifiés")

    def __str__(self) -> str:
        return f"{self.day}: {self.rows} row(s)"


class KnownMessageId(models.Model):
    """A Message-ID we sent or received, so that replies find their ticket.

    ``audience`` says who the thread was with: a reply to a staff-only mail (a GTI warning)
    must never become an entry visible to the client.
    """

    class Direction(models.TextChoices):
        OUT = "out", _("Envoyé")
        IN = "in", _("Reçu")

    message_id = models.CharField(max_length=998, unique=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="known_message_ids"
    )
    direction = models.CharField(max_length=3, choices=Direction)
    audience = models.CharField(
        max_length=8, choices=Notification.Audience, default=Notification.Audience.CLIENT
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("identifiant de message")
        verbose_name_plural = _("identifiants de message")

    def __str__(self) -> str:
        return self.message_id


class InboundMessage(models.Model):
    """A raw email as received, stored before any processing so that nothing is ever lost."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Reçu")
        PROCESSING = "processing", _("En cours")
        PROCESSED = "processed", _("Traité")
        IGNORED = "ignored", _("Ignoré")
        TRIAGE = "triage", _("À trier")
        FAILED = "failed", _("Échec")

    class Source(models.TextChoices):
        IMAP = "imap", "IMAP"
        HTTP = "http", "HTTP"
        ADMIN = "admin", _("Import manuel")

    message_id = models.CharField(_("Message-ID"), max_length=998, unique=True)
    raw = models.BinaryField(_("message brut"))
    sha256 = models.CharField(max_length=64, editable=False)
    source = models.CharField(_("source"), max_length=8, choices=Source)
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now, db_index=True)
    sender = models.CharField(_("expéditeur"), max_length=320, blank=True)
    subject = models.CharField(_("objet"), max_length=500, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status, default=Status.RECEIVED, db_index=True
    )
    error = models.TextField(_("erreur / motif"), blank=True)
    processed_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    # When a worker claimed it: a message still "processing" a lease later was interrupted
    # (worker killed, deploy) and is claimed again.
    processing_started_at = models.DateTimeField(
        _("traitement commencé le"), null=True, blank=True, editable=False
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("demande"),
    )
    event = models.ForeignKey(
        "tickets.TicketEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body_text = models.TextField(_("texte retenu"), blank=True)
    body_html = models.TextField(_("HTML assaini"), blank=True)

    class Meta:
        verbose_name = _("mail reçu")
        verbose_name_plural = _("mails reçus")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.sender or '?'} – {self.subject or self.message_id}"


class BlockedSender(models.Model):
    """An address whose mail is ignored on arrival (set by "spam" in the triage queue)."""

    address = models.EmailField(_("adresse"), max_length=320, unique=True)  # lower-case
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bloqué par"),
    )
    blocked_at = models.DateTimeField(_("bloqué le"), default=timezone.now)

    class Meta:
        verbose_name = _("expéditeur bloqué")
        verbose_name_plural = _("expéditeurs bloqués")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    def save(self, *args, **kwargs):
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)


class TriageDecision(models.Model):
    """What a person decided for a mail of the triage queue: who, when, what. One per message,
    which makes every triage action double-click safe (the second finds the first)."""

    class Action(models.TextChoices):
        NEW_TICKET = "new_ticket", _("Nouvelle demande")
        APPEND = "append", _("Ajouté à une demande")
        SPAM = "spam", _("Indésirable (expéditeur bloqué)")
        IGNORE = "ignore", _("Ignoré")

    message = models.OneToOneField(
        InboundMessage, on_delete=models.CASCADE, related_name="triage_decision"
    )
    action = models.CharField(_("décision"), max_length=12, choices=Action)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("par"),
    )
    at = models.DateTimeField(_("le"), default=timezone.now)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demande"),
    )
    contact = models.ForeignKey(
        "clients.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    contact_created = models.BooleanField(_("contact créé"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("décision de tri")
        verbose_name_plural = _("décisions de tri")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.action}"
