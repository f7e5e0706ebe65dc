"""Start-up checks: a bad on-call setting fails loudly (manage.py check, runserver, worker)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register


@register()
def oncall_settings(app_configs, **kwargs):
    errors = []
    for name in ("ONCALL_SMS_WEBHOOK_URL", "ONCALL_VOICE_WEBHOOK_URL", "OCEANIS_BASE_URL"):
        value = getattr(settings, name, "")
        if value and (
            urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc
        ):
            errors.append(Error(f"{name} must be an http(s) URL, got {value!r}", id="oncall.E001"))
    for name, minimum in (
        ("ONCALL_ACK_MINUTES", 1),
        ("ONCALL_REPAGES", 0),
        ("ONCALL_PAGE_MAX_ATTEMPTS", 1),
        ("ONCALL_ACK_LINK_MAX_AGE_HOURS", 1),
    ):
        if getattr(settings, name) < minimum:
            errors.append(Error(f"{name} must be at least {minimum}", id="oncall.E002"))
    # A lease shorter than one gateway call would re-send messages still being sent.
    if settings.ONCALL_PAGE_LEASE_SECONDS <= settings.ONCALL_WEBHOOK_TIMEOUT_SECONDS:
        errors.append(
            Error(
                "ONCALL_PAGE_LEASE_SECONDS must exceed ONCALL_WEBHOOK_TIMEOUT_SECONDS",
                id="oncall.E003",
            )
        )
    return errors
