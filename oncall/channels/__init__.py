"""Paging channels, one module each; ``configured_channels()`` lists those in use."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Delivery, PageChannel, PageMessage

__all__ = ["Delivery", "PageChannel", "PageMessage", "configured_channels"]


def configured_channels() -> list[PageChannel]:
    """Instances of ``ONCALL_CHANNELS`` whose configuration is complete, in order."""
    channels = [import_string(path)() for path in settings.ONCALL_CHANNELS]
    return [channel for channel in channels if channel.is_configured()]
