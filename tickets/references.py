"""Ticket reference numbering: OC-YYYY-NNNNNN, gap-free per year and safe under concurrency."""

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import ReferenceCounter

PREFIX = "OC"


def next_reference(year: int) -> str:
    """Issue the next reference of ``year``.

    Must run inside the transaction that creates the ticket: the counter row stays locked by the
    UPDATE until commit, so concurrent creators queue up instead of reading the same number, and a
    rolled-back creation gives its number back.
    """
    if not ReferenceCounter.objects.filter(year=year).exists():
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(year=year, last_number=0)
        except IntegrityError:
            pass  # another creator made the row first; the UPDATE below serialises us
    ReferenceCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = ReferenceCounter.objects.values_list("last_number", flat=True).get(year=year)
    return f"{PREFIX}-{year}-{number:06d}"
