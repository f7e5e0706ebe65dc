"""``{% orphaned_tickets_panel %}``: tickets left without an owner on shift (dispatch screen)."""

from django import template

from ..selectors import orphaned_tickets

register = template.Library()


@register.inclusion_tag("shifts/_orphaned_panel.html")
def orphaned_tickets_panel():
    """Render the open tickets whose owner's shift has ended (two queries)."""
    return {"orphaned_tickets": list(orphaned_tickets())}
