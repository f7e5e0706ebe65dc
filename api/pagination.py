"""Cursor pagination: stable pages while tickets are created and updated under the reader."""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

_DIGITS = re.compile(r"[0-9]+")


class IdCursorPagination(CursorPagination):
    """Default for reference lists: oldest first by id."""

    ordering = ("id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_description = gettext_lazy(
        "Jeton opaque de la page à lire, pris tel quel dans `next` ou `previous` d'une réponse ; "
        "un jeton qui n'en vient pas est refusé (400, champ `cursor`)."
    )

    def get_page_size(self, request):
        # DRF silently falls back to the default size for `page_size=null` or `0`: a caller's
        # mistake it never hears about. A size above the maximum is still cut to it.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not _DIGITS.fullmatch(raw) or int(raw) < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("Entier supérieur ou égal à 1 attendu.")]}
            )
        return min(int(raw), self.max_page_size)

    def decode_cursor(self, request):
        # DRF answers 404 to a bad cursor; it is bad input, so 400 with the field named.
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: [_("Curseur invalide.")]}) from exc

    def paginate_queryset(self, queryset, request, view=None):
        # A forged cursor can decode yet carry a position its ordering field cannot hold
        # (`p=abc` for an id): the filter on it then fails before any query is sent.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DjangoValidationError) as exc:
            if not request.query_params.get(self.cursor_query_param):
                raise
            raise ValidationError({self.cursor_query_param: [_("Curseur invalide.")]}) from exc

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = _(
                    "Nombre d'éléments par page (défaut %(default)s ; au-delà de %(max)s, "
                    "ramené à %(max)s)."
                ) % {"default": self.page_size, "max": self.max_page_size}
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


class TicketCursorPagination(IdCursorPagination):
    ordering = ("-created_at", "-id")


class TimelineCursorPagination(IdCursorPagination):
    ordering = ("at", "id")
    page_size = 100
