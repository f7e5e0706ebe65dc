"""Full-text search over the search documents, scoped to who is asking.

PostgreSQL: every word of the query must match the viewer's vector (French stemming without
accents: "équipes" finds "equipe"), or the query matches a reference. The matches are ranked by
``ts_rank`` among the ``CANDIDATES`` most recent ones: a word found in a third of a million
tickets is ranked over its latest matches instead of all of them, which keeps every query under
the bench's budget (README "Search"). One word that matches nothing falls back on trigrams (a
misspelt title word or client name). Snippets are ``ts_headline`` excerpts, computed for the rows
of the page only.

SQLite (embedded mode): every folded word (lower case, no accents, plural ending dropped) must
appear in the folded copy of the viewer's text; most recent first; snippets cut in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from clients.models import Client
from oceanis.text import CONTROL_CHARACTERS

from .models import Audience, DocType, DocumentClient, SearchDocument
from .services import uses_postgres
from .text import CONFIG, MAX_QUERY, crude_stem, fold, query_words

CANDIDATES = 500
MAX_CLIENTS = 50
SNIPPET_CHARS = 220
# Private-use characters mark the matches in ts_headline's output, so the text around them can
# be escaped before the marks become <mark> elements.
START, STOP = "\ue000", "\ue001"


@dataclass(frozen=True)
class Viewer:
    """Who searches: staff (everything), or a client contact or token (one client, optionally
    one site and their own requests)."""

    staff: bool
    client_id: int | None = None
    site_id: int | None = None
    contact_id: int | None = None
    site_restricted: bool = False

    @classmethod
    def for_staff(cls) -> Viewer:
        return cls(staff=True)


@dataclass
class Hit:
    doc_type: str
    object_id: int
    reference: str
    title: str
    snippet: SafeString
    client_name: str = ""
    state: str = ""
    kind: str = ""
    created_at: dt.datetime | None = None


@dataclass
class Results:
    hits: list[Hit] = field(default_factory=list)
    has_next: bool = False


def visible_documents(viewer: Viewer) -> QuerySet[SearchDocument]:
    """The documents this viewer may find: a client never sees staff documents (problems,
    internal articles), another client's tickets, or articles not published to it."""
    documents = SearchDocument.objects.all()
    if viewer.staff:
        return documents
    if viewer.client_id is None:
        return documents.none()
    own = Q(doc_type=DocType.TICKET, audience=Audience.CLIENT, client_id=viewer.client_id)
    if viewer.site_restricted:
        mine = Q(contact_id=viewer.contact_id)
        own &= (Q(site_id=viewer.site_id) | mine) if viewer.site_id else mine
    chosen = DocumentClient.objects.filter(client_id=viewer.client_id).values("document_id")
    published = Q(doc_type=DocType.ARTICLE) & (
        Q(audience=Audience.ALL_CLIENTS) | Q(audience=Audience.CHOSEN_CLIENTS, pk__in=chosen)
    )
    return documents.filter(own | published)


def search(
    query: str,
    *,
    viewer: Viewer,
    documents: QuerySet[SearchDocument] | None = None,
    limit: int = 20,
    offset: int = 0,
    prefix: bool = False,
    any_word: bool = False,
) -> Results:
    """Ranked hits of ``query`` among ``documents`` (default: all those the viewer may find;
    pass a filtered queryset to narrow by client, state, dates, type). ``prefix`` matches the
    last word as the beginning of a word (type-ahead suggestions); ``any_word`` asks for one word
    at least instead of all (suggestions from a whole description), words of 3 letters or more."""
    query = CONTROL_CHARACTERS.sub(" ", query or "")[:MAX_QUERY]
    words = query_words(query)
    if any_word:
        words = [w for w in words if len(w) >= 3]
    if not words:
        return Results()
    scoped = visible_documents(viewer)
    if documents is not None:
        scoped = scoped & documents
    if uses_postgres():
        return _postgres(query, words, scoped, viewer, limit, offset, prefix, any_word)
    return _sqlite(query, words, scoped, viewer, limit, offset, any_word)


def _tsquery_text(words: list[str], prefix: bool, any_word: bool = False) -> str:
    terms = list(words)
    if prefix:
        terms[-1] += ":*"
    # Words are letters and digits only (query_words): no tsquery syntax can slip in.
    return (" | " if any_word else " & ").join(terms)


def _postgres(query, words, scoped, viewer, limit, offset, prefix, any_word) -> Results:
    vector = "vector" if viewer.staff else "public_vector"
    raw = _tsquery_text(words, prefix, any_word)
    tsquery = SearchQuery(raw, search_type="raw", config=CONFIG)
    match = Q(**{vector: tsquery})
    if any(c.isdigit() for c in query):
        match |= Q(reference__icontains=query.strip()[:40])
    candidates = (
        scoped.filter(match)
        .order_by("-created_at", "-pk")
        .values_list("pk", vector, "created_at")[:CANDIDATES]
    )
    try:
        inner, params = candidates.query.sql_with_params()
    except EmptyResultSet:  # a viewer who may see nothing
        return Results()
    # Ranked over the candidates only, in the subquery's own rows: joining them back to the
    # table let PostgreSQL choose a hash join over a scan of every document.
    ranked = (
        f"SELECT c.id FROM ({inner}) AS c(id, vec, created_at) "  # noqa: S608 - ORM-built SQL
        "ORDER BY ts_rank(c.vec, to_tsquery(%s::regconfig, %s)) DESC, c.created_at DESC, c.id DESC "
        "LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(ranked, [*params, CONFIG, raw, limit + 1, offset])
        rows = [row[0] for row in cursor.fetchall()]
    if not rows and len(words) == 1 and len(words[0]) >= 4 and offset == 0:
        rows = _misspelt(words[0], scoped, viewer, limit)
    has_next = len(rows) > limit
    rows = rows[:limit]
    # The title is shown beside the excerpt: the excerpt comes from the text.
    text = (
        Concat("public_text", Value("\n"), "private_text", output_field=TextField())
        if viewer.staff
        else F("public_text")
    )
    headline = SearchHeadline(
        text,
        tsquery,
        config=CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_fragments=2,
        max_words=20,
        min_words=8,
        fragment_delimiter=" … ",
    )
    found = {
        d.pk: d
        for d in SearchDocument.objects.filter(pk__in=rows)
        .select_related("client")
        .annotate(headline=headline)
        .defer("public_text", "private_text", "vector", "public_vector")
    }
    hits = [_hit(found[pk], _marked(found[pk].headline)) for pk in rows if pk in found]
    return Results(hits=hits, has_next=has_next)


def _misspelt(word: str, scoped, viewer: Viewer, wanted: int) -> list[int]:
    """No match for one word: documents whose title has a word like it ("imprimente"),
    then, for staff, those of clients whose name has ("Givrant"), most recent first. Separate
    queries on purpose: each uses its own index (title trigrams; client and date), where one
    OR would make PostgreSQL compute a trigram similarity on every row it walks."""
    ids = list(
        scoped.filter(title__trigram_word_similar=word)
        .order_by("-created_at")
        .values_list("pk", flat=True)[:wanted]
    )
    if viewer.staff and len(ids) < wanted:
        clients = list(
            Client.objects.filter(name__trigram_word_similar=word).values_list("pk", flat=True)[
                :MAX_CLIENTS
            ]
        )
        if clients:
            ids += list(
                scoped.filter(client_id__in=clients)
                .exclude(pk__in=ids)
                .order_by("-created_at")
                .values_list("pk", flat=True)[: wanted - len(ids)]
            )
    return ids


def _marked(headline: str) -> SafeString:
    escaped = escape(headline or "")
    return mark_safe(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def _hit(document: SearchDocument, snippet: SafeString) -> Hit:
    return Hit(
        doc_type=document.doc_type,
        object_id=document.object_id,
        reference=document.reference,
        title=document.title,
        snippet=snippet,
        client_name=document.client.name if document.client is not None else "",
        state=document.state,
        kind=document.kind,
        created_at=document.created_at,
    )


def _sqlite(query, words, scoped, viewer, limit, offset, any_word) -> Results:
    field_name = "folded" if viewer.staff else "public_folded"
    folded_words = [crude_stem(fold(w)) for w in words]
    condition = Q()
    for word in folded_words:
        matches = Q(**{f"{field_name}__contains": word})
        condition = (condition | matches) if any_word else (condition & matches)
    stripped = query.strip()[:40]
    if stripped and any(c.isdigit() for c in stripped):
        condition |= Q(reference__icontains=stripped)
    rows = list(
        scoped.filter(condition)
        .select_related("client")
        .order_by("-created_at", "-pk")[offset : offset + limit + 1]
    )
    has_next = len(rows) > limit
    hits = []
    for document in rows[:limit]:
        text = document.public_text or document.title
        if viewer.staff:
            text += "\n" + document.private_text
        hits.append(_hit(document, _cut_snippet(text, folded_words)))
    return Results(hits=hits, has_next=has_next)


def _cut_snippet(text: str, folded_words: list[str]) -> SafeString:
    """The text around the first matched word, every matched word marked."""
    folded = fold(text)
    positions = [p for p in (folded.find(w) for w in folded_words if w) if p >= 0]
    start = max(0, min(positions) - SNIPPET_CHARS // 3) if positions else 0
    end = min(len(text), start + SNIPPET_CHARS)
    piece, folded_piece = text[start:end], folded[start:end]
    marks = []
    for word in folded_words:
        at = folded_piece.find(word)
        while word and at >= 0:
            end_of_word = at + len(word)
            while end_of_word < len(folded_piece) and folded_piece[end_of_word].isalnum():
                end_of_word += 1  # the whole word: "imprimante" marked for "imprimantes"
            marks.append((at, end_of_word))
            at = folded_piece.find(word, end_of_word)
    out, last = [], 0
    for begin, finish in sorted(marks):
        if begin < last:
            continue
        out += [escape(piece[last:begin]), "<mark>", escape(piece[begin:finish]), "</mark>"]
        last = finish
    out.append(escape(piece[last:]))
    prefix = "… " if start else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308
