"""Liveness/readiness probe for load balancers and docker-compose healthchecks."""

import logging

from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - logged for the operator, never shown to the caller
        # The probe is public: a driver's message names hosts, users and databases.
        logger.exception("Health check: the database is unavailable")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})
