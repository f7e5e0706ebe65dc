"""Client extranet: project documents shared with a client and per-contact calendar feeds."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oceanis.tokens import hash_token, new_token


def document_path(instance: ProjectDocument, filename: str) -> str:
    # Never the uploaded name on disk: a random name avoids clashes, traversal and guessing.
    return f"documents/{instance.client_id}/{uuid.uuid4().hex}"


class ProjectDocument(models.Model):
    """A document staff share with one client (optionally tied to a request or a project).

    Served only through the extranet's permission-checked download view, never a media URL.
    """

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.CASCADE,
        related_name="project_documents",
        verbose_name=_("client"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="project_documents",
        verbose_name=_("demande"),
    )
    project = models.CharField(_("projet"), max_length=200, blank=True)
    title = models.CharField(
        _("titre"), max_length=200, blank=True, help_text=_("Par défaut, le nom du fichier.")
    )
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(_("fichier"), upload_to=document_path)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("taille"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now)

    class Meta:
        verbose_name = _("document projet")
        verbose_name_plural = _("documents projet")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["client", "-uploaded_at"])]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A contact's secret iCalendar subscription URL.

    Only the SHA-256 of the token is stored: a leaked database does not leak working feed URLs.
    Regenerating replaces the hash, which revokes the previous URL.
    """

    contact = models.OneToOneField(
        "clients.Contact", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("flux agenda")
        verbose_name_plural = _("flux agenda")

    def __str__(self) -> str:
        return f"{self.contact} ({self.created_at:%Y-%m-%d})"

    @classmethod
    def issue(cls, contact) -> str:
        """Create or replace the contact's feed and return the new clear token (shown once)."""
        token = new_token()
        cls.objects.update_or_create(
            contact=contact,
            defaults={"token_hash": hash_token(token), "created_at": timezone.now()},
        )
        return token


def delete_document_file(sender, instance: ProjectDocument, **kwargs) -> None:
    """Remove the stored file once its row is deleted (admin bulk deletes included)."""
    if instance.file:
        instance.file.delete(save=False)
