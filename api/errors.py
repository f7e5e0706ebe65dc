"""One error shape for every API failure: ``{"error": code, "detail": text, "fields": {…}}``.

Integrations branch on ``error`` (stable, English snake_case); ``detail`` is for humans (French);
``fields`` maps input field names to lists of messages (empty unless the input was invalid).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.services import TicketTransitionError


class Conflict(exceptions.APIException):
    """409: the resource changed since the caller read it (If-Match), or a state conflict."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "Conflit."


class StaleVersion(Conflict):
    default_code = "stale_version"
    default_detail = "La demande a été modifiée entre-temps : relisez-la puis recommencez."


class TransitionNotAllowed(Conflict):
    default_code = "transition_not_allowed"


class PayloadTooLarge(exceptions.APIException):
    """413: the body is over DATA_UPLOAD_MAX_MEMORY_SIZE (Django refuses to read it)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "Corps de requête trop volumineux."


def payload_too_large_detail(limit: int) -> str:
    return _("Corps de requête trop volumineux : au plus %(limit)s octets.") % {"limit": limit}


# DRF's own codes, renamed where they read poorly for integrators.
_CODES = {
    "invalid": "invalid",
    "parse_error": "malformed_request",
    "authentication_failed": "not_authenticated",
    "not_authenticated": "not_authenticated",
    "permission_denied": "permission_denied",
    "not_found": "not_found",
    "method_not_allowed": "method_not_allowed",
    "not_acceptable": "not_acceptable",
    "unsupported_media_type": "unsupported_media_type",
    "throttled": "rate_limited",
}


def _fields(detail) -> dict:
    """Flatten DRF's nested error detail into {field: [messages]} (nested paths dotted)."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
            else:
                for index, sub in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), sub)
        else:
            out.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return out


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"error": code, "detail": detail, "fields": fields or {}}


def exception_handler(exc, context):
    """DRF exception handler producing the stable error shape; service errors mapped too."""
    if isinstance(exc, TicketTransitionError):
        exc = TransitionNotAllowed(str(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(payload_too_large_detail(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        # The policy's reason ("affectée à …") is what the caller needs to understand a 403.
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let Django log it and answer 500
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", _("Données invalides."), _fields(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, dict | list):
            body = error_body(_CODES.get(code, code), str(exc), _fields(detail))
        else:
            code = getattr(detail, "code", None) or code
            body = error_body(_CODES.get(code, code), str(detail))
    response.data = body
    return response


def error_response(code: str, detail: str, status_code: int, fields: dict | None = None):
    """For views answering an error without raising (e.g. rejected alerts)."""
    return Response(error_body(code, detail, fields), status=status_code)
