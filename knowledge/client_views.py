"""The extranet's help centre (``/extranet/aide/``): published articles a contact's client may
read, a search, and the suggestions shown while a contact types a new request's title."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from extranet.access import contact_required

from . import services
from .filters import SearchFilter
from .markdown import render as render_markdown
from .selectors import article_hits, articles_for, contact_viewer

SUGGESTIONS = 3


@contact_required
def help_centre(request):
    viewer = contact_viewer(request.contact)
    filters = SearchFilter(request.GET, articles_for(viewer).order_by("-updated_at", "-pk"))
    filters.is_valid()
    query = filters.query
    hits = article_hits(query, viewer=viewer, limit=30, prefix=True) if query else None
    articles = None if query else filters.qs[:50]
    return render(
        request,
        "knowledge/client_list.html",
        {"query": query, "hits": hits, "articles": articles, "nav": "help"},
    )


@contact_required
def help_article(request, article_id: int):
    viewer = contact_viewer(request.contact)
    article = articles_for(viewer).filter(pk=article_id).first()
    if article is None:
        raise Http404
    token = request.GET.get("d", "")
    if token:
        # Opened from a suggestion of the new-request form: counted for that form.
        services.deflection_opened(token=token, contact=request.contact)
    return render(
        request,
        "knowledge/client_article.html",
        {"article": article, "html": render_markdown(article.body), "nav": "help"},
    )


@contact_required
def help_suggestions(request):
    """The articles matching what the contact is typing (htmx fragment of the new request)."""
    viewer = contact_viewer(request.contact)
    title = request.GET.get("title", "").strip()[:200]
    token = request.GET.get("deflection", "")
    hits = article_hits(title, viewer=viewer, limit=SUGGESTIONS, prefix=True) if title else []
    if token and hits:
        services.deflection_shown(token=token, contact=request.contact, count=len(hits))
    return render(
        request,
        "knowledge/_client_suggestions.html",
        {"hits": hits, "token": token if token else ""},
    )
