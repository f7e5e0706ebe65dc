"""Request bodies the API accepts: bounded JSON, and forms held to the same text rule.

Python's ``json`` module accepts what PostgreSQL and the services cannot: nesting deep enough to
exhaust the interpreter's stack (``RecursionError``), ``1e400`` (an infinite float that a
primary-key lookup turns into ``OverflowError``), ``NaN``, integers of thousands of digits, NUL
characters PostgreSQL refuses in text and JSON, and lone surrogates no UTF-8 encoder can write.
Each of these used to answer 500. Here they answer 400 before any view runs:

* the body must be UTF-8 and JSON, nested at most ``MAX_DEPTH`` levels (``malformed_request``);
* numbers must be finite and strictly between -2^63 and 2^63 (a bigint column holds nothing
  else), and strings (keys included) must not contain control characters other than tab, line
  feed and carriage return, nor lone surrogates (``invalid``, the offending field named:
  ``contact``, ``payload.items.2``).

The alert intake (and its replay) read bodies with :func:`loads` too, in the lenient mode that
strips control characters from monitoring's free text rather than refusing the alert.
"""

from __future__ import annotations

import json
import math
import re

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from oceanis.text import CONTROL_CLASS

MAX_DEPTH = 32
NUMBER_BOUND = 2**63
# The desk's control characters, and UTF-16 surrogates (only reachable through \ud800 escapes).
CONTROL_CHARACTERS = re.compile(rf"[{CONTROL_CLASS}\ud800-\udfff]")


class _OutOfRange:
    """A number JSON allows but the API does not; kept as its literal for the error or the
    lenient mode."""

    __slots__ = ("literal",)

    def __init__(self, literal: str):
        self.literal = literal


def _number_hooks(refused: list):
    """json.loads hooks turning an out-of-range number into ``_OutOfRange``, noted in
    ``refused`` (so that a body without one is not walked again)."""

    def parse_int(literal: str):
        # The literal's length first: int() of a 5,000-digit string is refused by Python itself
        # (ValueError) and costs quadratic time before that.
        if len(literal.lstrip("-")) <= 19:
            value = int(literal)
            if -NUMBER_BOUND < value < NUMBER_BOUND:
                return value
        return out_of_range(literal)

    def parse_float(literal: str):
        value = float(literal)
        if math.isfinite(value) and -NUMBER_BOUND < value < NUMBER_BOUND:
            return value
        return out_of_range(literal)

    def out_of_range(literal: str):
        refused.append(literal)
        return _OutOfRange(literal)

    return {"parse_int": parse_int, "parse_float": parse_float, "parse_constant": out_of_range}


# Bytes of the characters refused raw (UTF-8 never uses them inside a multi-byte sequence), and
# the \u escapes that decode to one: a C0 control, DEL or a surrogate (a valid pair for an emoji
# matches too; the walk then finds nothing).
_CONTROL_BYTES = bytes(byte for byte in range(0x80) if CONTROL_CHARACTERS.match(chr(byte)))
_SUSPECT_ESCAPE = re.compile(r"\\u(?:00[01][0-9a-fA-F]|007[fF]|[dD][89a-fA-F])")


def _may_hold_refused_text(raw: bytes, text: str) -> bool:
    """A cheap test before the walk: most bodies hold no control character at all."""
    if len(raw.translate(None, _CONTROL_BYTES)) != len(raw):
        return True
    return b"\\u" in raw and _SUSPECT_ESCAPE.search(text) is not None


def _depth_exceeds(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _name(key: str) -> str:
    """A key usable in an error message even when it holds the characters being refused."""
    return CONTROL_CHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", key)


class BodyProblems(dict):
    """{field path: [message]} for every refused value of a decoded body."""


def _walk(data, *, strip: bool):
    """Check (or, with ``strip``, clean) every value; returns ``(data, problems)``.

    Iterative: the depth is bounded already, but a wide body must not cost a Python frame per
    value either.
    """
    problems = BodyProblems()
    bad_number = _("Nombre hors limites : fini et compris entre -2^63 et 2^63 exclus.")
    bad_text = _(
        "Caractère de contrôle interdit (seuls la tabulation et les fins de ligne sont admis)."
    )

    def check(value, path: str):
        if isinstance(value, _OutOfRange):
            if strip:
                return value.literal
            problems.setdefault(path or "non_field_errors", []).append(bad_number)
        elif isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            if strip:
                return CONTROL_CHARACTERS.sub("", value)
            problems.setdefault(path or "non_field_errors", []).append(bad_text)
        return value

    root = [check(data, "")]
    stack = [(root, 0, "")]
    while stack:
        container, index, path = stack.pop()
        value = container[index]
        if isinstance(value, dict):
            cleaned = {}
            for key, sub in value.items():
                sub_path = f"{path}.{_name(key)}" if path else _name(key)
                if CONTROL_CHARACTERS.search(key):
                    if strip:
                        key = CONTROL_CHARACTERS.sub("", key)
                    else:
                        problems.setdefault(sub_path, []).append(bad_text)
                cleaned[key] = check(sub, sub_path)
            container[index] = cleaned
            stack.extend(
                (cleaned, key, f"{path}.{_name(key)}" if path else _name(key)) for key in cleaned
            )
        elif isinstance(value, list):
            for position, sub in enumerate(value):
                value[position] = check(sub, f"{path}.{position}" if path else str(position))
            stack.extend(
                (value, position, f"{path}.{position}" if path else str(position))
                for position in range(len(value))
            )
    return root[0], problems


class BodyError(ValueError):
    """A body outside the bounds: ``fields`` names the refused values (empty when the body as a
    whole is unreadable: not UTF-8, not JSON, too deep)."""

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


def loads(raw: bytes | str, *, strip: bool = False):
    """Decode a JSON body within the API's bounds, or raise ``BodyError``.

    With ``strip`` (free text from monitoring) invalid UTF-8 becomes U+FFFD, out-of-range numbers
    become their literal text and control characters are removed instead of being refused.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    try:
        text = raw.decode("utf-8", "replace" if strip else "strict")
    except UnicodeDecodeError as exc:
        raise BodyError(
            _("Le corps de la requête n'est pas de l'UTF-8 valide (octet %(position)s).")
            % {"position": exc.start}
        ) from None
    too_deep = BodyError(
        _("JSON imbriqué trop profondément (au plus %(depth)s niveaux).") % {"depth": MAX_DEPTH}
    )
    refused_numbers: list[str] = []
    try:
        data = json.loads(
            text,
            **_number_hooks(refused_numbers),
            # Raw control characters inside strings are invalid JSON; free text takes them
            # (and loses them below) rather than losing the alert.
            strict=not strip,
        )
    except RecursionError:  # Python's decoder recurses once per level
        raise too_deep from None
    except ValueError as exc:  # JSONDecodeError is one
        raise BodyError(_("JSON invalide : %(error)s") % {"error": exc}) from None
    containers = raw.count(b"[") + raw.count(b"{")
    if containers > MAX_DEPTH and isinstance(data, dict | list) and _depth_exceeds(data, MAX_DEPTH):
        raise too_deep
    if refused_numbers or _may_hold_refused_text(raw, text):
        data, problems = _walk(data, strip=strip)
        if problems:
            raise BodyError(_("Valeurs refusées dans le corps de la requête."), dict(problems))
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the bounds above."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return loads(stream.read())
        except BodyError as exc:
            if exc.fields:
                raise exceptions.ValidationError(exc.fields) from None
            raise exceptions.ParseError(exc.message) from None


def _check_form(data):
    problems = BodyProblems()
    message = _(
        "Caractère de contrôle interdit (seuls la tabulation et les fins de ligne sont admis)."
    )
    for key, values in data.lists():
        if CONTROL_CHARACTERS.search(key) or any(
            isinstance(v, str) and CONTROL_CHARACTERS.search(v) for v in values
        ):
            problems.setdefault(_name(key), []).append(message)
    if problems:
        raise exceptions.ValidationError(dict(problems))


class FormParser(parsers.FormParser):
    """URL-encoded forms under the same text rule as JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Multipart forms under the same text rule as JSON (file contents are not text)."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _check_form(result.data)
        return result
