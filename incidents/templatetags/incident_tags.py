"""``{% incident_banner client %}``: the incident banners of a client, for any extranet page."""

from django import template

from ..selectors import active_banners_for_client

register = template.Library()


@register.inclusion_tag("incidents/_banner.html")
def incident_banner(client):
    """Render the client's active incident banners (nothing when none)."""
    return {"incident_banners": active_banners_for_client(client)}
