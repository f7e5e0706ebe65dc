"""One search document per ticket, knowledge article and problem.

The document is a denormalised copy of what can be searched, written at each change of its
source (``search.receivers`` after commit, ``knowledge.services`` in their own transaction):
queries read one table whatever the source. Text is split by audience: ``public_text`` is what a
client may read (title, description, public reports and answers), ``private_text`` what only
staff may (internal notes, private mails). On PostgreSQL each audience has its stored
``tsvector`` (French stemming without accents, GIN-indexed) and the title and reference carry a
trigram index; the embedded SQLite mode leaves the vectors empty and matches the folded copies
(lower case, no accents) instead.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocType(models.TextChoices):
    TICKET = "ticket", _("Demande")
    ARTICLE = "article", _("Article")
    PROBLEM = "problem", _("Problème")


class Audience(models.TextChoices):
    STAFF = "staff", _("Oceanis seulement")
    CLIENT = "client", _("Le client du document")
    ALL_CLIENTS = "all", _("Tous les clients")
    CHOSEN_CLIENTS = "chosen", _("Clients choisis")


class SearchDocument(models.Model):
    doc_type = models.CharField(_("type"), max_length=16, choices=DocType)
    object_id = models.PositiveBigIntegerField()
    reference = models.CharField(_("référence"), max_length=32, blank=True)
    title = models.CharField(_("titre"), max_length=255)
    # Client, contact and site names of a ticket: found by name, and by a trigram when misspelt.
    names = models.CharField(max_length=500, blank=True)
    audience = models.CharField(max_length=8, choices=Audience, default=Audience.STAFF)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # A site-restricted contact sees their site's tickets and their own only (extranet rule).
    site_id = models.PositiveBigIntegerField(null=True, blank=True)
    contact_id = models.PositiveBigIntegerField(null=True, blank=True)
    state = models.CharField(_("état"), max_length=16, blank=True)
    kind = models.CharField(_("nature"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    indexed_at = models.DateTimeField(default=timezone.now)

    public_text = models.TextField(blank=True)
    private_text = models.TextField(blank=True)
    vector = SearchVectorField(null=True, editable=False)
    public_vector = SearchVectorField(null=True, editable=False)
    folded = models.TextField(blank=True, editable=False)
    public_folded = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("document de recherche")
        verbose_name_plural = _("documents de recherche")
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "object_id"], name="search_document_one")
        ]
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["client", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type} {self.reference or self.object_id}"


class DocumentClient(models.Model):
    """An article published to chosen clients: one row per client allowed to find it."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="clients")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "client"], name="search_document_client")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.client_id}"
