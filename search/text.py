"""Words of a query, and the folded form the SQLite fallback matches on."""

from __future__ import annotations

import re
import unicodedata

# The PostgreSQL text search configuration the search migration creates: French stemming over
# unaccented words ("Équipes" and "equipe" both give "equip").
CONFIG = "oceanis_fr"
MAX_WORDS = 8
MAX_QUERY = 200
WORD = re.compile(r"\w+", re.UNICODE)


def _fold_char(char: str) -> str:
    base = "".join(
        c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
    ).lower()
    return base[:1] or char


def fold(text: str) -> str:
    """Lower case without accents, one character for one ("Équipe réseau" → "equipe reseau"):
    a position in the folded text is the same position in the original (snippets)."""
    return "".join(_fold_char(c) for c in text or "")


def query_words(query: str) -> list[str]:
    """The words of a query (letters and digits only: never tsquery syntax), at most 8."""
    return WORD.findall((query or "")[:MAX_QUERY])[:MAX_WORDS]


def crude_stem(word: str) -> str:
    """The SQLite fallback's stemming: drop a French plural ending ("imprimantes" →
    "imprimante", "réseaux" → "réseau"), so that a plural finds the singular."""
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word
