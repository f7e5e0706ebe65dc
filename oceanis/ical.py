"""The iCalendar (RFC 5545) documents of the subscription feeds, written with ``icalendar``.

Both feeds (the client's planning, the technician's on-call weeks) go through ``calendar``.
Times are written in UTC: calendar apps show them in the reader's zone and a DST change needs
no VTIMEZONE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar
from icalendar import Event as VEvent
from icalendar.prop import vText

from .text import CONTROL_CHARACTERS

_BACKSLASH = "\x00"  # stands for a backslash while icalendar escapes (controls are gone by then)


class LiteralText(vText):
    """TEXT whose backslashes are data.

    ``vText`` reads ``\\N`` as a line break (a convenience for hand-written values), which would
    turn a title such as ``C:\\Nouveau`` into two lines; everything else is icalendar's escaping
    (comma, semicolon, CRLF, lone CR and LF).
    """

    def __new__(cls, value: str, *args, **kwargs):
        # RFC 5545 TEXT admits no control character but HTAB and line breaks; the others could
        # only come from pasted text and some clients reject the whole feed for one of them.
        return super().__new__(cls, CONTROL_CHARACTERS.sub("", value), *args, **kwargs)

    def to_ical(self) -> bytes:
        escaped = vText(self.replace("\\", _BACKSLASH)).to_ical()
        return escaped.replace(_BACKSLASH.encode(), b"\\\\")


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    transp: str = ""  # OPAQUE / TRANSPARENT; left out when empty


def calendar(events: Iterable[Event], *, name: str, now: datetime, product: str) -> str:
    """The whole VCALENDAR text (CRLF line endings, lines folded at 75 octets)."""
    document = Calendar()
    document.add("version", "2.0")
    document.add("prodid", f"-//Oceanis//{product}//FR")
    document.add("calscale", "GREGORIAN")
    document.add("method", "PUBLISH")
    # Not a standard property, so icalendar would write it verbatim: escape it as TEXT.
    document.add("x-wr-calname", LiteralText(name))
    stamp = now.astimezone(UTC)
    for event in events:
        entry = VEvent()
        entry.add("uid", event.uid)
        entry.add("dtstamp", stamp)
        entry.add("dtstart", event.start.astimezone(UTC))
        entry.add("dtend", event.end.astimezone(UTC))
        entry.add("summary", LiteralText(event.summary))
        if event.description:
            entry.add("description", LiteralText(event.description))
        if event.location:
            entry.add("location", LiteralText(event.location))
        if event.url:
            entry.add("url", event.url)
        if event.transp:
            entry.add("transp", event.transp)
        document.add_component(entry)
    return document.to_ical().decode()
