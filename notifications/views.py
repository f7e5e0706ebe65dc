"""The authenticated inbound-mail endpoint: an MTA pipe or a mail provider's webhook POSTs the
raw RFC 822 message; it is stored before anything else, then processed."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .inbound.service import inbound_receive
from .models import InboundMessage


def _supplied_token(request) -> str:
    authorization = request.headers.get("Authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return request.headers.get("X-Inbound-Token", "")


@csrf_exempt  # machine-to-machine: authenticated by the token, not by a browser session
@require_POST
def inbound_mail(request):
    """POST the raw message as the body. ``Authorization: Bearer <INBOUND_MAIL_TOKEN>``.

    202 processed (the JSON says how), 200 for a Message-ID already received, 400 when the bytes
    are not a usable email (kept anyway as a failed inbound message), 401 without the token,
    413 when too large, 503 when no token is configured.
    """
    expected = settings.INBOUND_MAIL_TOKEN
    if not expected:
        return JsonResponse(
            {"error": "inbound mail endpoint disabled (no INBOUND_MAIL_TOKEN)"}, status=503
        )
    if not hmac.compare_digest(_supplied_token(request).encode(), expected.encode()):
        return JsonResponse({"error": "invalid or missing token"}, status=401)
    limit = settings.INBOUND_MAIL_MAX_BYTES
    # read() rather than .body: a mail with attachments is far above DATA_UPLOAD_MAX_MEMORY_SIZE.
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return JsonResponse({"error": f"message larger than {limit} bytes"}, status=413)
    if not raw.strip():
        return JsonResponse({"error": "empty body: POST the raw RFC 822 message"}, status=400)
    message, created = inbound_receive(raw, InboundMessage.Source.HTTP)
    body = {
        "id": message.pk,
        "message_id": message.message_id,
        "status": message.status,
        "ticket": message.ticket.reference if message.ticket_id else None,
        "duplicate": not created,
    }
    if message.status == InboundMessage.Status.FAILED and created:
        return JsonResponse(
            {**body, "error": (message.error.splitlines() or ["failed"])[0]}, status=400
        )
    return JsonResponse(body, status=202 if created else 200)
