"""``{% extranet_links ticket %}``: the public links of a request that the contact may see
(both tickets of their own organisation, and of their site when restricted), and where a
merged request now lives."""

from django import template

from ..selectors import merged_into, ticket_links

register = template.Library()


@register.inclusion_tag("relations/_extranet_links.html", takes_context=True)
def extranet_links(context, ticket):
    from extranet.selectors import visible_tickets

    contact = getattr(context.get("request"), "contact", None)
    if contact is None:
        return {"lines": [], "merge": None}
    visible = visible_tickets(contact)
    merge = merged_into(ticket) if ticket.state == "cancelled" else None
    if merge is not None and not visible.filter(pk=merge.target_id).exists():
        merge = None
    return {"lines": ticket_links(ticket, visible=visible), "merge": merge}
