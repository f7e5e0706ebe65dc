"""Request context in the logs: a request id on every line, the ticket a request concerns, and
a JSON formatter (``LOG_FORMAT=json``) that writes one object per line for log collectors.

The request id is the caller's ``X-Request-ID`` when it looks like one (a proxy or a client
correlating its own logs), a new one otherwise; it is echoed in the response header. Both values
live in context variables, so any log line written while a request is handled carries them,
whichever logger writes it.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.apps import apps
from django.conf import settings

REQUEST_ID_HEADER = "X-Request-ID"
# Long enough for the usual formats (UUID, W3C trace id, AWS's Root=…); nothing that could
# break a log line or a header.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:;@/+=-]{1,128}")
_MAX_TICKET = 40

_request_id: ContextVar[str] = ContextVar("oceanis_request_id", default="")
_ticket: ContextVar[str] = ContextVar("oceanis_ticket", default="")

access_logger = logging.getLogger("oceanis.requests")

# Attributes every LogRecord has: anything else on a record came from ``extra=`` and is kept.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "ticket",
    "request",
    "taskName",
}


def current_request_id() -> str:
    return _request_id.get()


def bind_ticket(reference: str) -> None:
    """Mark the current request (or task) as concerning this ticket, for its log lines."""
    _ticket.set(reference[:_MAX_TICKET])


def bind_request_id(value: str):
    """Set the id the following log lines carry (a Celery task id in a worker); returns what
    ``unbind`` needs to restore the previous one."""
    return _request_id.set(value), _ticket.set("")


def unbind(tokens) -> None:
    id_token, ticket_token = tokens
    _request_id.reset(id_token)
    _ticket.reset(ticket_token)


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``ticket`` to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = _request_id.get()
        if not getattr(record, "ticket", ""):
            record.ticket = _ticket.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id and ticket when
    known, the ``extra=`` fields, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "ticket"):
            if value := getattr(record, key, ""):
                data[key] = value
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def _ticket_reference(view_kwargs: dict) -> str:
    reference = view_kwargs.get("reference")
    if isinstance(reference, str):
        return reference
    ticket_id = view_kwargs.get("ticket_id")
    if isinstance(ticket_id, int) and settings.LOG_FORMAT == "json":
        # The extranet addresses tickets by id: one indexed read, only when lines show it.
        ticket_model = apps.get_model("tickets", "Ticket")
        found = ticket_model.objects.filter(pk=ticket_id).values_list("reference", flat=True)
        return found.first() or ""
    return ""


class RequestContextMiddleware:
    """First middleware: sets the request id (and later the ticket) for the request's log
    lines, echoes the id in ``X-Request-ID``, and writes one ``oceanis.requests`` line per
    request (INFO, enabled with ``LOG_FORMAT=json``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        tokens = bind_request_id(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if access_logger.isEnabledFor(logging.INFO):
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            return response
        finally:
            unbind(tokens)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if reference := _ticket_reference(view_kwargs):
            bind_ticket(reference)
        return None
