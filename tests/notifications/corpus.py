"""The raw email corpus (tests/fixtures/mail/) and the ids it refers to."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
REFERENCE = "OC-2026-000123"
CLIENT_THREAD_ID = "<OC-2026-000123.5f0c2b8e9d6a4e1f8a7b3c2d1e0f9a8b@oceanis.service-desk>"
STAFF_THREAD_ID = "<OC-2026-000123.aa11bb22cc33dd44ee55ff6677889900@oceanis.service-desk>"


def raw(name: str) -> bytes:
    return (CORPUS / name).read_bytes()
