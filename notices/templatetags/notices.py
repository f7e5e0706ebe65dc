from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def bell_refresh() -> int:
    """Seconds between two refreshes of the bell (``NOTICES_BELL_REFRESH_SECONDS``)."""
    return settings.NOTICES_BELL_REFRESH_SECONDS
