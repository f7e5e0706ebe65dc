"""Cursor pagination: stable pages while tickets are created and updated under the reader."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Default for reference lists: oldest first by id."""

    ordering = ("id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        # DRF answers 404 to a bad cursor; it is bad input, so 400 with the field named.
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: [_("Curseur invalide.")]}) from exc


class TicketCursorPagination(IdCursorPagination):
    ordering = ("-created_at", "-id")


class TimelineCursorPagination(IdCursorPagination):
    ordering = ("at", "id")
    page_size = 100
