"""Secret tokens that act as credentials in a URL or header (feed addresses, API tokens).

Only their hash is stored: a leaked database or backup does not leak working credentials, and
the clear token is shown once, when it is issued.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    """SHA-256 of the full token: tokens are 256-bit random, so a slow KDF would add nothing."""
    return hashlib.sha256(raw.encode()).hexdigest()
