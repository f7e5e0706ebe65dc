"""The desk's phone numbers, from settings, wherever a client reads how to reach it (extranet
footer, client mails): a page never promises a phone call without giving the number."""

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("oceanis/_phones.html")
def desk_phones(style: str = "text"):
    return {
        "support": settings.OCEANIS_SUPPORT_PHONE,
        "oncall": settings.OCEANIS_ONCALL_PHONE,
        "style": style,
    }
