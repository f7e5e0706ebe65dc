from django import template

register = template.Library()

PALETTE_SIZE = 8


@register.filter
def colour(technician) -> int:
    """A stable palette slot per technician, so each person's weeks share a colour."""
    return technician.pk % PALETTE_SIZE if technician is not None else PALETTE_SIZE
