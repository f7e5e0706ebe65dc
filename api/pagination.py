"""Cursor pagination: stable pages while tickets are created and updated under the reader."""

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Default for reference lists: oldest first by id."""

    ordering = ("id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class TicketCursorPagination(IdCursorPagination):
    ordering = ("-created_at", "-id")


class TimelineCursorPagination(IdCursorPagination):
    ordering = ("at", "id")
    page_size = 100
