"""Turning mail bodies into the text of a ticket entry: HTML sanitised (nh3) then flattened,
quoted history trimmed (Outlook, Gmail, Apple Mail, Thunderbird, in French and English)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

# The default allow-list, plus class/id/type which mark quoted history in mail HTML.
_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"class", "id"}
_ATTRIBUTES.setdefault("blockquote", set()).add("type")
_DROP_WITH_CONTENT = {"script", "style", "title", "head"}

BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "dd", "dt", "section", "article", "header", "footer",
}  # fmt: skip

# Containers that hold the quoted previous message in mail clients' HTML.
QUOTE_CLASSES = {"gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote"}
QUOTE_IDS = {"divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container"}


def sanitize_html(html: str) -> str:
    """Sanitised HTML (no scripts, styles, event handlers or dangerous URLs)."""
    return nh3.clean(html, attributes=_ATTRIBUTES, clean_content_tags=_DROP_WITH_CONTENT)


class _Flattener(HTMLParser):
    def __init__(self, stop_at_quote: bool):
        super().__init__(convert_charrefs=True)
        self.stop_at_quote = stop_at_quote
        self.parts: list[str] = []
        self.stopped = False
        self.href: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if self.stopped:
            return
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").lower().split())
        is_quote = (
            classes & QUOTE_CLASSES
            or (attributes.get("id") or "").lower() in QUOTE_IDS
            or (tag == "blockquote" and (attributes.get("type") or "").lower() == "cite")
        )
        if is_quote and self.stop_at_quote:
            self.stopped = True
            return
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "a":
            self.href.append(attributes.get("href"))
        if tag == "img" and attributes.get("alt"):
            self.parts.append(f"[{attributes['alt']}]")

    def handle_endtag(self, tag):
        if self.stopped:
            return
        if tag == "a" and self.href:
            href = self.href.pop()
            if href and href.startswith(("http://", "https://")) and href not in self.parts[-1:]:
                self.parts.append(f" <{href}>")
        if tag in BLOCK_TAGS and tag != "li":  # the next item opens its own line
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_data(self, data):
        if not self.stopped:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str, *, trim_quotes: bool = True) -> str:
    """Plain text of (already sanitised) HTML, cut at the first quoted-history container."""
    parser = _Flattener(stop_at_quote=trim_quotes)
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [line.strip() for line in text.splitlines()]
    return _collapse_blank_lines(lines)


# A line that starts quoted history; the header-block ones need a confirming line just after.
_SEPARATORS = re.compile(
    r"^\s*(-{2,}\s*(original message|message d'origine|ursprüngliche nachricht)\s*-{2,}"
    r"|_{20,})\s*$",
    re.IGNORECASE,
)
_HEADER_START = re.compile(r"^\s*\**(de|from|von|exp[ée]diteur)\s*\**\s*:", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\**(envoy[ée]|sent|gesendet|date|[àa]|to|an|objet|subject|cc)\s*\**\s*:", re.IGNORECASE
)
_ATTRIBUTION = re.compile(
    # A date is always there: "Le technicien a écrit :" alone is not an attribution.
    r"^\s*(?=.*\d)(le\s.+\sa\s+[ée]crit|on\s.+\swrote|am\s.+\sschrieb\s.*|el\s.+\sescribi[óo])\s*:?\s*$",
    re.IGNORECASE,
)


# A line that opens a forwarded message (Gmail, Thunderbird, Apple Mail and others, in
# French, English, German, Dutch, Spanish): what follows is the very matter of the mail.
_FORWARD_MARKER = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|message transf[ée]r[ée]|weitergeleitete nachricht"
    r"|doorgestuurd bericht|mensaje reenviado)\s*-{2,}"
    r"|(begin forwarded message|d[ée]but du message (r[ée]exp[ée]di[ée]|transf[ée]r[ée]))\s*:)\s*$",
    re.IGNORECASE,
)


def is_forwarded(text: str, *, is_reply: bool) -> bool:
    """Whether the body carries a forwarded message rather than the history of a reply: a forward
    marker before any quoted history, or, in a mail that answers nothing, history at all (Outlook
    forwards look exactly like replies once the "TR:" of the subject is gone)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if _FORWARD_MARKER.match(line):
            return True
        if _starts_quote(lines, i):
            return not is_reply
    return False


def trim_quoted(text: str) -> str:
    """The new part of a reply: cut at the first marker of quoted history and drop ``>``
    lines. A message that is nothing but quotes is returned untouched rather than emptied."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = next((i for i in range(len(lines)) if _starts_quote(lines, i)), len(lines))
    kept = [line.rstrip() for line in lines[:cut] if not line.lstrip().startswith(">")]
    result = _collapse_blank_lines(kept)
    return result or _collapse_blank_lines([line.rstrip() for line in lines])


def _starts_quote(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _SEPARATORS.match(line) or _ATTRIBUTION.match(line):
        return True
    if _HEADER_START.match(line) and any(_HEADER_NEXT.match(n) for n in lines[i + 1 : i + 5]):
        return True
    # Gmail wraps long attributions: "Le lun. 26 oct. 2026 à 10:12, Name <" / "addr> a écrit :"
    if i + 1 < len(lines) and line.strip() and not _ATTRIBUTION.match(lines[i + 1]):
        return bool(_ATTRIBUTION.match(f"{line.strip()} {lines[i + 1].strip()}"))
    return False


def _collapse_blank_lines(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()
