"""Knowledge base: articles in Markdown, their versions, categories and tags, and the counters of
the extranet's suggestions (deflection).

An article is written by RUN engineering (or published from a problem's known error). Every save
adds an immutable ``ArticleVersion`` (author, date, text); the article row holds the current one.
Its ``visibility`` says who may read it: Oceanis only, every client, or chosen clients.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oceanis.models import AppendOnlyModel


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Interne (Oceanis seulement)")
    ALL_CLIENTS = "all", _("Publié à tous les clients")
    CHOSEN_CLIENTS = "chosen", _("Publié aux clients choisis")


class Category(models.Model):
    name = models.CharField(_("nom"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("nom"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("contenu (Markdown)"))
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("catégorie"),
    )
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="articles", verbose_name=_("étiquettes")
    )
    visibility = models.CharField(
        _("visibilité"), max_length=16, choices=Visibility, default=Visibility.INTERNAL
    )
    clients = models.ManyToManyField(
        "clients.Client",
        blank=True,
        related_name="knowledge_articles",
        verbose_name=_("clients destinataires"),
    )
    tickets = models.ManyToManyField(
        "tickets.Ticket",
        blank=True,
        related_name="knowledge_articles",
        verbose_name=_("demandes liées"),
    )
    problems = models.ManyToManyField(
        "changes.Problem",
        blank=True,
        related_name="knowledge_articles",
        verbose_name=_("problèmes liés"),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["visibility", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"

    @property
    def reference(self) -> str:
        return f"KB-{self.pk:05d}" if self.pk else "KB-?"

    @property
    def is_published(self) -> bool:
        return self.visibility != Visibility.INTERNAL


class ArticleVersion(AppendOnlyModel):
    """One saved state of an article: never changed, never deleted."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    visibility = models.CharField(max_length=16, choices=Visibility)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("version d'article")
        verbose_name_plural = _("versions d'article")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class Deflection(models.Model):
    """One new-request form a contact opened: how many articles were suggested, how many
    opened, and whether the request was finally sent (not sent after a suggestion was opened:
    the article answered, the request was "deflected")."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contact = models.ForeignKey("clients.Contact", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    suggestions_shown = models.PositiveIntegerField(default=0)
    articles_opened = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("suggestion d'articles (extranet)")
        verbose_name_plural = _("suggestions d'articles (extranet)")

    def __str__(self) -> str:
        return str(self.token)
