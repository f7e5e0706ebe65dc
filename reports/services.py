"""The reports' writes: billing overrides, and generating, storing and sharing the monthly client
report (steering-committee pack). Reads are in ``reports.selectors``."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from tickets.models import Ticket

from .db import reporting_queries
from .models import BillingOverride, ClientReport
from .pdf import render_report_pdf
from .periods import Period
from .selectors.service import ServiceReport


def billing_override_record(
    *,
    ticket: Ticket,
    by,
    reason: str,
    billable: bool | None = None,
    rate: Decimal | None = None,
    at: datetime | None = None,
) -> BillingOverride:
    """Override a ticket's billable flag and/or hourly rate, logging who, when and why."""
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _("Le motif de la dérogation est obligatoire.")
    if billable is None and rate is None:
        errors["billable"] = _("Indiquez le caractère facturable ou un taux horaire.")
    if rate is not None and rate < 0:
        errors["rate"] = _("Le taux horaire ne peut pas être négatif.")
    if errors:
        raise ValidationError(errors)
    override = BillingOverride(
        ticket=ticket,
        billable=billable,
        rate=rate,
        reason=reason.strip(),
        by=by,
        at=at or timezone.now(),
    )
    override.full_clean()
    with transaction.atomic():
        override.save(force_insert=True)
    return override


logger = logging.getLogger(__name__)

PDF_CONTENT_TYPE = "application/pdf"


def client_report_generate(
    *, client: Client, period: Period, by=None, now: datetime | None = None
) -> ClientReport:
    """Build the client's PDF for the period, store it and share a copy on the extranet.

    Idempotent per (client, period): regenerating replaces the stored file (the previous one is
    deleted once the transaction commits) and the shared copy.
    """
    now = now or timezone.now()
    with reporting_queries():
        content = render_report_pdf(ServiceReport(client, period, as_of=now))
    with transaction.atomic():
        report, _created = ClientReport.objects.select_for_update().get_or_create(
            client=client, period_start=period.start, period_end=period.end
        )
        previous = report.file.name
        report.file.save("report.pdf", ContentFile(content), save=False)
        report.size = len(content)
        report.generated_at = now
        report.generated_by = by
        report.extranet_document_id = _share_with_client(report, content, by, now)
        report.save()
        if previous:
            storage = report.file.storage
            transaction.on_commit(lambda: storage.delete(previous))
    return report


def project_document_model():
    """``extranet.ProjectDocument`` when that app provides it (looked up at run time)."""
    try:
        return apps.get_model("extranet", "ProjectDocument")
    except LookupError:
        return None


def _share_with_client(report: ClientReport, content: bytes, by, now) -> int | None:
    """Create or refresh the client's extranet document holding a copy of the report.

    The copy is the extranet's own file (its own random name and lifecycle), so deleting one
    side never breaks the other. Without the extranet model, nothing is shared.
    """
    document_model = project_document_model()
    if document_model is None:
        logger.warning("extranet.ProjectDocument unavailable: report %s not shared", report.pk)
        return None
    document = None
    if report.extranet_document_id:
        document = document_model.objects.filter(
            pk=report.extranet_document_id, client=report.client
        ).first()
    if document is None:
        document = document_model(client=report.client)
    previous = document.file.name if document.pk else ""
    document.title = f"Rapport de service – {Period(report.period_start, report.period_end).label}"
    document.description = "Rapport mensuel du centre de services (comité de pilotage)."
    document.original_name = report.download_name
    document.content_type = PDF_CONTENT_TYPE
    document.size = len(content)
    document.uploaded_by = by
    document.uploaded_at = now
    document.file.save(report.download_name, ContentFile(content), save=False)
    document.save()
    if previous:
        storage = document.file.storage
        transaction.on_commit(lambda: storage.delete(previous))
    return document.pk
