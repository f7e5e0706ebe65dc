"""Template tags other screens drop in with one line.

- ``{% incident_banner client %}``: the incident banners of a client (extranet pages).
- ``{% open_incidents_panel %}``: open major incidents, red when their next update is overdue
  (the dispatch screen).
"""

from django import template

from ..selectors import active_banners_for_client, open_incidents

register = template.Library()


@register.inclusion_tag("incidents/_banner.html")
def incident_banner(client):
    """Render the client's active incident banners (nothing when none)."""
    return {"incident_banners": active_banners_for_client(client)}


@register.inclusion_tag("incidents/_dispatch_panel.html")
def open_incidents_panel():
    """Render the open major incidents, the overdue ones first and in red (one query)."""
    return {"open_incidents": open_incidents()}
