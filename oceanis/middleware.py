"""Errors the caller can act on, whatever failed: JSON under the API, a 503 for lock waits.

``ApiErrorMiddleware`` keeps the API's promise of one error shape (``api/errors.py``) for what
DRF's exception handler never sees: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (refused from
its Content-Length before anything reads it), an uncaught exception (JSON 500, logged with its
traceback as Django would), and any HTML error page an inner layer produced for an API path.

``DatabaseTimeoutsMiddleware`` bounds what one web request may wait for on PostgreSQL:
``DB_LOCK_TIMEOUT_MS`` for a row lock, ``DB_STATEMENT_TIMEOUT_MS`` for one statement. Without
them a session holding the ticket-reference counter kept every gunicorn worker waiting until
gunicorn killed them, ``/healthz`` included. A request that reaches either limit answers 503
with ``Retry-After`` (JSON under the API, the branded page elsewhere), never a killed worker.
Celery workers and management commands keep PostgreSQL's defaults (no limit): their work is
not waited on by a person, and a long report or a migration must be allowed to finish.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signals
from django.core.exceptions import MiddlewareNotUsed
from django.db import OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from api.errors import error_body, payload_too_large_detail

logger = logging.getLogger("django.request")

API_PREFIXES = ("/api/", "/oncall/api/")
RETRY_AFTER_SECONDS = 5
# PostgreSQL's lock_not_available (lock_timeout) and query_canceled (statement_timeout).
TIMEOUT_SQLSTATES = frozenset({"55P03", "57014"})

_STATUS_CODES = {
    400: "malformed_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}
# Headers that still mean something once the body is replaced.
_KEPT_HEADERS = ("Retry-After", "Allow", "WWW-Authenticate", "Vary", "X-Request-ID")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def is_database_timeout(exc: BaseException) -> bool:
    """A statement stopped by lock_timeout or statement_timeout (PostgreSQL)."""
    return (
        isinstance(exc, OperationalError)
        and getattr(exc.__cause__, "sqlstate", None) in TIMEOUT_SQLSTATES
    )


def unavailable_response(request):
    """503 for a request that waited too long on the database: the caller may simply retry."""
    if is_api_path(request.path):
        response = JsonResponse(
            error_body(
                "database_busy",
                _("Base de données occupée : réessayez dans quelques secondes."),
            ),
            status=503,
        )
    else:
        response = render(request, "503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _json_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse(error_body(_STATUS_CODES.get(status, "error"), detail), status=status)


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if limit is not None and length > limit:
                # Refused unread: the client learns it at once, not after uploading 30 MB.
                return _json_error(413, payload_too_large_detail(limit))
        response = self.get_response(request)
        if (
            is_api_path(request.path)
            and response.status_code >= 400
            and "json" not in response.get("Content-Type", "")
        ):
            response = self._as_json(response)
        return response

    def process_exception(self, request, exception):
        if is_database_timeout(exception):
            logger.warning(
                "Database timeout, answered 503: %s %s (%s)",
                request.method,
                request.path,
                exception,
            )
            return unavailable_response(request)
        if not is_api_path(request.path):
            return None  # Django's branded 500 page
        # What Django's own 500 handling does: the signal (test client, error reporters), then
        # the log line with the traceback.
        signals.got_request_exception.send(sender=None, request=request)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=(type(exception), exception, exception.__traceback__),
            extra={"status_code": 500, "request": request},
        )
        response = _json_error(
            500, _("Erreur interne : elle est enregistrée dans le journal du serveur.")
        )
        response._has_been_logged = True  # Django's handler would log it again, without traceback
        return response

    @staticmethod
    def _as_json(response):
        """The same status as JSON; an inner layer (Django's 400/404/500 pages) spoke HTML."""
        replaced = _json_error(response.status_code, response.reason_phrase)
        for header in _KEPT_HEADERS:
            if header in response:
                replaced[header] = response[header]
        if getattr(response, "_has_been_logged", False):
            replaced._has_been_logged = True
        return replaced


class DatabaseTimeoutsMiddleware:
    """Gives this process's PostgreSQL connections lock_timeout and statement_timeout.

    Django instantiates middleware only in a process that serves HTTP (gunicorn, runserver, the
    test client), never in a Celery worker or a management command: that is what tells a web
    process apart. The limits go into the connection's startup options, so every connection the
    process opens from then on has them at no cost per request (no SET round trip); it then
    leaves the request chain.
    """

    def __init__(self, get_response):
        web_timeouts_enable()
        raise MiddlewareNotUsed


def web_timeouts_enable() -> None:
    """Add the web limits to the startup options of the connections opened from now on."""
    if connection.vendor != "postgresql":
        return
    wanted = {
        "lock_timeout": settings.DB_LOCK_TIMEOUT_MS,
        "statement_timeout": settings.DB_STATEMENT_TIMEOUT_MS,
    }
    # One settings dict shared by every thread's connection (and the test database's).
    options = connection.settings_dict.setdefault("OPTIONS", {})
    current = options.get("options", "")
    kept = [o for o in current.split() if not o.startswith(_OWN_OPTIONS)]
    added = [f"-c{name}={value}" for name, value in wanted.items() if value]
    options["options"] = " ".join(kept + added)
    # A connection opened before (a query at start-up) would keep running without the limits.
    opened = connection.connection is not None and not connection.in_atomic_block
    if options["options"] != current and opened:
        connection.close()


_OWN_OPTIONS = ("-clock_timeout=", "-cstatement_timeout=")
