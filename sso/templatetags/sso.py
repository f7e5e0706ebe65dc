"""``{% sso_login_options %}``: the SSO button of the staff login page (nothing when SSO is off)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from .. import conf

register = template.Library()


@register.inclusion_tag("sso/_login_options.html", takes_context=True)
def sso_login_options(context: template.Context) -> dict[str, Any]:
    return {
        "enabled": conf.enabled(),
        "provider_name": settings.OIDC_PROVIDER_NAME,
        "password_login": settings.STAFF_PASSWORD_LOGIN,
        "next": context.get("next", ""),
    }
