"""Phone numbers: one stored form (E.164), whatever was typed or sent by the switchboard.

``02.51.10.20.00``, ``0251102000``, ``+33 2 51 10 20 00`` and ``0033251102000`` are one number:
stored as ``+33251102000`` beside the number as typed, so lookups (caller identification, the
type-ahead) compare equal strings. A number without a country code is read in
``PHONE_DEFAULT_REGION`` (France). Also the accent-free key names are searched on, so that
"Hélène" is found as "helene" on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.conf import settings

# Separators people type inside a number; anything else makes the text "not a number".
_SEPARATORS = re.compile(r"[\s.\-/()]+")
_DIALABLE = re.compile(r"^\+?\d+$")
# Fewer digits than this is a fragment of something else (a ticket number, a year), not a phone.
MIN_SEARCH_DIGITS = 4


def default_region() -> str:
    return getattr(settings, "PHONE_DEFAULT_REGION", "FR") or "FR"


def normalize(raw: str | None, *, region: str | None = None) -> str:
    """The E.164 form of ``raw`` (``+33251102000``), or "" when it is not a possible number.

    Internal extensions ("230") and withheld numbers ("anonymous") give "".
    """
    text = (raw or "").strip()
    if not text:
        return ""
    if text.startswith("00"):  # international prefix dialled from France
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or default_region())
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str, *, fallback: str = "") -> str:
    """How a stored number is shown: national format at home (``02 51 10 20 00``),
    international abroad (``+44 20 7946 0000``)."""
    if not e164:
        return fallback
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return fallback or e164
    home = phonenumbers.region_code_for_number(number) == default_region()
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def search_digits(query: str) -> str | None:
    """What to look for in stored E.164 numbers when ``query`` is (part of) a phone number.

    A whole number gives its E.164 form (exact); a fragment ("02 51 10") its significant digits
    without the trunk prefix ("25110"), to be found inside stored numbers; None when the query
    is not a number at all (a name, an e-mail) or too short to mean one.
    """
    compact = _SEPARATORS.sub("", query.strip())
    if not _DIALABLE.match(compact) or len(compact.lstrip("+")) < MIN_SEARCH_DIGITS:
        return None
    whole = normalize(compact)
    if whole and phonenumbers.is_valid_number(phonenumbers.parse(whole, None)):
        return whole
    if compact.startswith("+"):
        return compact
    if compact.startswith("00"):
        return "+" + compact[2:]
    return compact[1:] if compact.startswith("0") else compact


def fold(text: str) -> str:
    """Lower case without accents ("Hélène Lefèvre" → "helene lefevre"), spaces squeezed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def name_tokens(query: str) -> list[str]:
    """The words of a name query, folded: each must appear, in any order ("martin pierre")."""
    return fold(query).split()
