"""Reads of the knowledge base: who may read which article, suggestions, suggestion counters."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from clients.models import Contact
from search.models import DocType, SearchDocument
from search.selectors import Hit, Viewer, search

from .models import Article, Deflection, Visibility


def published_to(client_id: int | None) -> Q:
    """Articles a client may read: published to every client, or to it among chosen ones."""
    if client_id is None:
        return Q(pk__in=[])
    return Q(visibility=Visibility.ALL_CLIENTS) | Q(
        visibility=Visibility.CHOSEN_CLIENTS, clients__pk=client_id
    )


def articles_for(viewer: Viewer) -> QuerySet[Article]:
    articles = Article.objects.select_related("category")
    if viewer.staff:
        return articles
    # The clients join may repeat rows: filter by ids.
    return articles.filter(
        pk__in=Article.objects.filter(published_to(viewer.client_id)).values("pk")
    )


def contact_viewer(contact: Contact) -> Viewer:
    """The extranet's scope as a search viewer (articles ignore sites; tickets do not)."""
    restricted = contact.visibility == Contact.Visibility.OWN_SITE and not contact.is_client_admin
    return Viewer(
        staff=False,
        client_id=contact.client_id,
        site_id=contact.site_id,
        contact_id=contact.pk,
        site_restricted=restricted,
    )


def article_hits(query: str, *, viewer: Viewer, limit: int = 5, prefix: bool = False) -> list[Hit]:
    """Articles for a text (a ticket's title and description, a request being typed), best
    first: any of its words counts, the more and the rarer the better."""
    documents = SearchDocument.objects.filter(doc_type=DocType.ARTICLE)
    return search(
        query, viewer=viewer, documents=documents, limit=limit, prefix=prefix, any_word=True
    ).hits


@dataclass(frozen=True)
class DeflectionFigures:
    forms: int
    with_suggestions: int
    suggestions_shown: int
    articles_opened: int
    submitted: int
    not_submitted_after_reading: int


def deflection_figures(since=None) -> DeflectionFigures:
    rows = Deflection.objects.all()
    if since is not None:
        rows = rows.filter(started_at__gte=since)
    totals = rows.aggregate(
        forms=Count("pk"),
        with_suggestions=Count("pk", filter=Q(suggestions_shown__gt=0)),
        shown=Sum("suggestions_shown"),
        opened=Sum("articles_opened"),
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        deflected=Count("pk", filter=Q(articles_opened__gt=0, submitted_at__isnull=True)),
    )
    return DeflectionFigures(
        forms=totals["forms"],
        with_suggestions=totals["with_suggestions"],
        suggestions_shown=totals["shown"] or 0,
        articles_opened=totals["opened"] or 0,
        submitted=totals["submitted"],
        not_submitted_after_reading=totals["deflected"],
    )
