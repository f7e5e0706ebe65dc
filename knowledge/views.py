"""Staff screens of the knowledge base: list and search, article, versions, writing, publishing
a problem's known error, and the suggestions panel of the ticket page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import staff_required
from changes.models import Problem
from oceanis.forms import add_service_errors
from search.selectors import Viewer
from tickets.models import Ticket

from . import services
from .filters import ArticleFilter
from .forms import ArticleForm, LinkTicketForm
from .markdown import render as render_markdown
from .models import Article, Category
from .selectors import article_hits, deflection_figures

PAGE_SIZE = 50


@staff_required
def article_list(request):
    filters = ArticleFilter(
        request.GET, Article.objects.select_related("category").order_by("-updated_at", "-pk")
    )
    filters.is_valid()
    query = filters.query
    category = filters.form.cleaned_data.get("categorie")
    hits = article_hits(query, viewer=Viewer.for_staff(), limit=PAGE_SIZE) if query else None
    articles = None if hits is not None else filters.qs[:PAGE_SIZE]
    return render(
        request,
        "knowledge/article_list.html",
        {
            "query": query,
            "hits": hits,
            "articles": articles,
            "categories": Category.objects.annotate(n=Count("articles")).order_by("name"),
            "category": "" if category is None else str(category),
            "filter_errors": filters.errors,
            "figures": deflection_figures(),
            "nav": "knowledge",
        },
    )


def _category(data: dict) -> Category | None:
    name = data.get("new_category", "").strip()
    if name:
        return Category.objects.get_or_create(name=name)[0]
    return data.get("category")


def _values(form: ArticleForm) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "body": data["body"],
        "visibility": data["visibility"],
        "category": _category(data),
        "tags": services.tags_from_text(data["tags"]),
        "clients": list(data["clients"]),
        "tickets": data["tickets"],
        "note": data["note"],
    }


@staff_required
def article_create(request):
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(by=request.user, **_values(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Article %(ref)s enregistré.") % {"ref": article.reference})
            return redirect("knowledge:detail", article.pk)
    return render(request, "knowledge/article_form.html", {"form": form, "nav": "knowledge"})


@staff_required
def article_edit(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    form = ArticleForm(request.POST or None, initial=ArticleForm.initial_for(article))
    if request.method == "POST" and form.is_valid():
        try:
            services.article_update(article=article, by=request.user, **_values(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Nouvelle version enregistrée."))
            return redirect("knowledge:detail", article.pk)
    return render(
        request,
        "knowledge/article_form.html",
        {"form": form, "article": article, "nav": "knowledge"},
    )


@staff_required
def article_detail(request, pk: int):
    article = get_object_or_404(Article.objects.select_related("category", "created_by"), pk=pk)
    number = request.GET.get("version", "")
    version = None
    if number.isdigit():
        version = article.versions.filter(number=int(number)).first()
    shown = version.body if version else article.body
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "article": article,
            "version": version,
            "html": render_markdown(shown),
            "versions": article.versions.select_related("author").order_by("-number"),
            "tags": article.tags.all(),
            "clients": article.clients.order_by("name"),
            "tickets": article.tickets.select_related("client").order_by("-created_at")[:50],
            "problems": article.problems.order_by("-created_at"),
            "link_form": LinkTicketForm(),
            "nav": "knowledge",
        },
    )


@staff_required
@require_POST
def article_link(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    form = LinkTicketForm(request.POST)
    if form.is_valid():
        for ticket in form.cleaned_data["tickets"]:
            services.article_link_ticket(article=article, ticket=ticket, by=request.user)
        messages.success(request, _("Demandes liées."))
    else:
        for error in form.errors.get("tickets", []):
            messages.error(request, error)
    back = request.POST.get("back", "")
    if back and Ticket.objects.filter(reference=back).exists():
        return redirect("backoffice:ticket", reference=back)
    return redirect("knowledge:detail", article.pk)


@staff_required
@require_POST
def publish_known_error(request, problem_pk: int):
    problem = get_object_or_404(Problem, pk=problem_pk)
    try:
        article = services.article_publish_known_error(problem=problem, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("changes:problem_detail", problem.pk)
    messages.success(
        request,
        _("Erreur connue publiée dans la base de connaissances : %(ref)s.")
        % {"ref": article.reference},
    )
    return redirect("knowledge:detail", article.pk)


@staff_required
def ticket_panel(request, reference: str):
    """The ticket page's "Articles suggérés" panel (loaded by htmx): articles for its title and
    description, and those already linked to it."""
    ticket = get_object_or_404(Ticket, reference=reference)
    linked = list(ticket.knowledge_articles.order_by("-updated_at")[:10])
    linked_ids = {a.pk for a in linked}
    hits = [
        h
        for h in article_hits(
            f"{ticket.title} {ticket.description[:500]}", viewer=Viewer.for_staff(), limit=8
        )
        if h.object_id not in linked_ids
    ][:5]
    return render(
        request,
        "knowledge/_ticket_panel.html",
        {"ticket": ticket, "linked": linked, "hits": hits},
    )
