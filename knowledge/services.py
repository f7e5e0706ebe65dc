"""Writes of the knowledge base: articles and their versions, links, and the suggestion
counters. Every article write also rewrites its search document, in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from changes.models import Problem
from clients.models import Client, Contact
from search.models import Audience, DocType
from search.services import document_save
from tickets.models import Ticket

from .models import Article, ArticleVersion, Category, Deflection, Tag, Visibility

# Keyed by str: an article's visibility is the stored value, which finds the same entry.
AUDIENCE: dict[str, Audience] = {
    Visibility.INTERNAL: Audience.STAFF,
    Visibility.ALL_CLIENTS: Audience.ALL_CLIENTS,
    Visibility.CHOSEN_CLIENTS: Audience.CHOSEN_CLIENTS,
}


def _check(title: str, body: str, visibility: str, clients: list[Client]) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = _("Le titre est obligatoire.")
    if not body.strip():
        errors["body"] = _("Le contenu est obligatoire.")
    if visibility not in Visibility.values:
        errors["visibility"] = _("Visibilité inconnue.")
    elif visibility == Visibility.CHOSEN_CLIENTS and not clients:
        errors["clients"] = _("Choisissez au moins un client destinataire.")
    if errors:
        raise ValidationError(errors)


def tags_from_text(text: str) -> list[Tag]:
    """ "vpn, messagerie" → the two tags, created when new (names trimmed, case kept)."""
    names = {n.strip()[:50] for n in (text or "").split(",") if n.strip()}
    return [Tag.objects.get_or_create(name=name)[0] for name in sorted(names)]


def article_index(*, article: Article) -> None:
    """Rewrite the article's search document (who may find it follows its visibility)."""
    clients = list(article.clients.values_list("pk", flat=True))
    tags = " ".join(article.tags.values_list("name", flat=True))
    document_save(
        doc_type=DocType.ARTICLE,
        object_id=article.pk,
        reference=article.reference,
        title=article.title,
        names=f"{article.category.name if article.category is not None else ''} {tags}".strip(),
        public_text=article.body,
        audience=AUDIENCE[article.visibility],
        state=article.visibility,
        created_at=article.created_at,
        clients=clients,
    )


@transaction.atomic
def article_create(
    *,
    by,
    title: str,
    body: str,
    visibility: str = Visibility.INTERNAL,
    category: Category | None = None,
    tags: Iterable[Tag] = (),
    clients: Iterable[Client] = (),
    tickets: Iterable[Ticket] = (),
    problems: Iterable[Problem] = (),
    note: str = "",
) -> Article:
    clients = list(clients) if visibility == Visibility.CHOSEN_CLIENTS else []
    _check(title, body, visibility, clients)
    now = timezone.now()
    article = Article.objects.create(
        title=title.strip(),
        body=body,
        visibility=visibility,
        category=category,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    article.tags.set(tags)
    article.clients.set(clients)
    article.tickets.set(tickets)
    article.problems.set(problems)
    ArticleVersion.objects.create(
        article=article,
        number=1,
        title=article.title,
        body=body,
        visibility=visibility,
        author=by,
        at=now,
        note=note[:200],
    )
    article_index(article=article)
    return article


@transaction.atomic
def article_update(
    *,
    article: Article,
    by,
    title: str,
    body: str,
    visibility: str,
    category: Category | None = None,
    tags: Iterable[Tag] = (),
    clients: Iterable[Client] = (),
    tickets: Iterable[Ticket] | None = None,
    note: str = "",
) -> Article:
    """Save a new version (the previous ones stay readable in the article's history)."""
    clients = list(clients) if visibility == Visibility.CHOSEN_CLIENTS else []
    _check(title, body, visibility, clients)
    locked = Article.objects.select_for_update().get(pk=article.pk)
    now = timezone.now()
    locked.title, locked.body, locked.visibility = title.strip(), body, visibility
    locked.category = category
    locked.version = F("version") + 1
    locked.updated_at = now
    locked.save()
    locked.refresh_from_db(fields=["version"])
    locked.tags.set(tags)
    locked.clients.set(clients)
    if tickets is not None:
        locked.tickets.set(tickets)
    ArticleVersion.objects.create(
        article=locked,
        number=locked.version,
        title=locked.title,
        body=body,
        visibility=visibility,
        author=by,
        at=now,
        note=note[:200],
    )
    article_index(article=locked)
    article.refresh_from_db()
    return locked


def article_link_ticket(*, article: Article, ticket: Ticket, by=None) -> None:
    article.tickets.add(ticket)


@transaction.atomic
def article_publish_known_error(*, problem: Problem, by) -> Article:
    """One action on the problem page: its documented workaround becomes an article published to
    the clients of its linked tickets (to every client when none is linked), linked back."""
    if not problem.workaround.strip():
        raise ValidationError(
            _("Documentez d'abord la solution de contournement du problème %(ref)s.")
            % {"ref": problem.reference}
        )
    existing = problem.knowledge_articles.order_by("pk").first()
    clients = list(Client.objects.filter(tickets__problems=problem).distinct())
    visibility = Visibility.CHOSEN_CLIENTS if clients else Visibility.ALL_CLIENTS
    title = _("Erreur connue : %(title)s") % {"title": problem.title}
    body = _("## Symptômes\n\n%(description)s\n\n## Contournement\n\n%(workaround)s\n") % {
        "description": problem.description.strip() or "—",
        "workaround": problem.workaround.strip(),
    }
    if existing is not None:
        return article_update(
            article=existing,
            by=by,
            title=title,
            body=body,
            visibility=visibility,
            category=existing.category,
            tags=list(existing.tags.all()),
            clients=clients,
            note=_("Mis à jour depuis %(ref)s") % {"ref": problem.reference},
        )
    category, _created = Category.objects.get_or_create(name=_("Erreurs connues"))
    return article_create(
        by=by,
        title=title,
        body=body,
        visibility=visibility,
        category=category,
        clients=clients,
        tickets=list(problem.tickets.all()),
        problems=[problem],
        note=_("Publié depuis %(ref)s") % {"ref": problem.reference},
    )


# --- suggestions on the extranet (deflection) -------------------------------------------------


def deflection_start(*, contact: Contact) -> Deflection:
    return Deflection.objects.create(contact=contact)


def _counted(token, contact: Contact, **changes) -> int:
    try:
        rows = Deflection.objects.filter(token=token, contact=contact, submitted_at__isnull=True)
    except ValidationError:
        return 0
    return rows.update(**changes)


def deflection_shown(*, token, contact: Contact, count: int) -> None:
    """Suggestions were shown (``count`` articles) while the contact typed."""
    if count:
        _counted(token, contact, suggestions_shown=F("suggestions_shown") + count)


def deflection_opened(*, token, contact: Contact) -> None:
    _counted(token, contact, articles_opened=F("articles_opened") + 1)


def deflection_submitted(*, token, contact: Contact, ticket: Ticket) -> None:
    _counted(token, contact, submitted_at=timezone.now(), ticket=ticket)
