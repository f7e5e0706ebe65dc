"""A short "browser, system" label from a User-Agent header, for the sessions list.

A few ordered patterns rather than a parser library: the page only needs to let a person tell
their own devices apart ("Firefox, Windows"), not to identify every browser version.
"""

from __future__ import annotations

import re

# Order matters: Edge and Opera also announce Chrome, Chrome also announces Safari.
BROWSERS = (
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\b(OPR|Opera)/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(HeadlessChrome|Chrome|Chromium|CriOS)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*Safari/")),
)
SYSTEMS = (
    ("Android", re.compile(r"\bAndroid\b")),
    ("iOS", re.compile(r"\b(iPhone|iPad|iPod)\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


def summary(user_agent: str) -> str:
    """ "Firefox, Windows"; "" when nothing is recognised (the page then says so itself)."""
    browser = next((name for name, pattern in BROWSERS if pattern.search(user_agent)), "")
    system = next((name for name, pattern in SYSTEMS if pattern.search(user_agent)), "")
    return ", ".join(part for part in (browser, system) if part)
