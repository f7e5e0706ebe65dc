"""Report pages and exports (managers only). Thin: parse filters, call queries, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import charts
from .access import (
    can_see_reports,
    check_client,
    client_reports_required,
    limit_to_portfolio,
    manager_required,
)
from .db import reporting_view
from .exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, to_csv, to_xlsx
from .forms import (
    BillingFilterForm,
    BillingOverrideForm,
    GenerateReportForm,
    ReportFilterForm,
)
from .models import ClientReport
from .selectors.billing import billing_summary, override_log
from .selectors.service import DIMENSIONS, ServiceReport
from .services import billing_override_record
from .tables import (
    PERCENT,
    REPORT_TABLES,
    billing_table,
    cell_pairs,
    display,
    override_table,
    report_tables,
    team_table,
)
from .tasks import generate_client_report
from .team import team_report

FORMATS = {"csv", "xlsx"}


def _section(table, chart=None, query=""):
    return {"table": table, "cells": cell_pairs(table), "chart": chart, "query": query}


def _report_charts(report: ServiceReport) -> dict:
    result = {}
    for field_name, _choices, title in DIMENSIONS:
        buckets = report.breakdowns[field_name]
        result[field_name] = charts.bar_chart(
            title=_("Demandes par %(dimension)s") % {"dimension": title.lower()},
            desc=", ".join(f"{b.label} : {b.count}" for b in buckets),
            labels=[b.label for b in buckets],
            values=[b.count for b in buckets],
        )
    result["gti"] = charts.bar_chart(
        title=_("Taux de respect de la GTI par urgence"),
        desc=", ".join(f"{g.label} : {display(g.rate, PERCENT)}" for g in report.gti),
        labels=[g.label for g in report.gti],
        values=[g.rate for g in report.gti],
        fmt=lambda v: display(v, PERCENT),
        maximum=1,
    )
    backlog = report.backlog
    result["backlog"] = charts.line_chart(
        title=_("Demandes ouvertes en fin de journée"),
        desc=_("De %(first)s à %(last)s demandes ouvertes.")
        % {"first": backlog[0].value, "last": backlog[-1].value},
        labels=[display(p.day, "date") for p in backlog],
        series=[(_("Ouvertes"), [p.value for p in backlog])],
    )
    volume = report.volume
    result["volume"] = charts.line_chart(
        title=_("Demandes créées et clôturées"),
        desc=_("%(created)s créées, %(closed)s clôturées.")
        % {"created": sum(v[1] for v in volume), "closed": sum(v[2] for v in volume)},
        labels=[display(v[0], "month" if report.volume_by_month else "date") for v in volume],
        series=[
            (_("Créées"), [v[1] for v in volume]),
            (_("Clôturées"), [v[2] for v in volume]),
        ],
    )
    return result


def _filters_query(form) -> str:
    data = {k: v for k, v in form.data.items() if k in form.fields and v}
    return urlencode(data)


@client_reports_required
@reporting_view
def index(request):
    """The service report of one client or the whole centre over a month or any range (a
    service manager: one client of their portfolio, the first one by default)."""
    form = ReportFilterForm(request.GET or None)
    limit_to_portfolio(form, request.user)
    if request.GET and not form.is_valid():
        return render(request, "reports/index.html", {"form": form}, status=400)
    if not request.GET:
        first = None if can_see_reports(request.user) else form.fields["client"].queryset.first()
        form = ReportFilterForm({"client": first.pk} if first else {})
        limit_to_portfolio(form, request.user)
        form.is_valid()
    check_client(request.user, form.cleaned_data.get("client"))
    report = ServiceReport(form.cleaned_data.get("client"), form.period())
    chart_by_key = _report_charts(report)
    query = _filters_query(form)
    sections = [
        _section(table, chart_by_key.get(table.key), query) for table in report_tables(report)
    ]
    return render(
        request,
        "reports/index.html",
        {"form": form, "report": report, "sections": sections, "query": query},
    )


@manager_required
@reporting_view
def team(request):
    form = ReportFilterForm(request.GET or {})
    if not form.is_valid():
        return render(request, "reports/team.html", {"form": form}, status=400)
    data = team_report(form.period(), client=form.cleaned_data.get("client"))
    table = team_table(data)
    chart = charts.bar_chart(
        title=_("Demandes clôturées par technicien"),
        desc=", ".join(f"{line.technician} : {line.handled}" for line in data.lines),
        labels=[str(line.technician) for line in data.lines],
        values=[line.handled for line in data.lines],
    )
    query = _filters_query(form)
    return render(
        request,
        "reports/team.html",
        {
            "form": form,
            "period": form.period(),
            "team": data,
            "section": _section(table, chart, query),
            "query": query,
        },
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _file_response(tables, fmt: str, name: str, period) -> HttpResponse:
    stem = f"{name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if fmt == "csv":
        return _download(to_csv(tables[0]), CSV_CONTENT_TYPE, f"{stem}.csv")
    return _download(to_xlsx(tables), XLSX_CONTENT_TYPE, f"{stem}.xlsx")


@client_reports_required
@reporting_view
def export(request, key: str, fmt: str):
    """One table as CSV or XLSX (``key="all"``: every report table in one workbook); a service
    manager exports the service report tables of their portfolio's clients only."""
    if fmt not in FORMATS:
        raise Http404
    if not can_see_reports(request.user) and key != "all" and key not in REPORT_TABLES:
        raise PermissionDenied(_("Réservé au responsable du centre et à son suppléant."))
    if key in ("billing", "billing-overrides"):
        form = BillingFilterForm(request.GET)
    else:
        form = ReportFilterForm(request.GET)
        limit_to_portfolio(form, request.user)
    if not form.is_valid():
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    client, period = form.cleaned_data.get("client"), form.period()
    check_client(request.user, client)
    scope = client.code if client else "centre"
    if key == "all" and fmt == "xlsx":
        tables = report_tables(ServiceReport(client, period), breach_limit=None)
    elif key in REPORT_TABLES:
        tables = [REPORT_TABLES[key](ServiceReport(client, period), None)]
    elif key == "team":
        tables = [team_table(team_report(period, client=client))]
    elif key == "billing":
        tables = [billing_table(billing_summary(client, period))]
    elif key == "billing-overrides":
        tables = [override_table(override_log(client, period))]
    else:
        raise Http404
    return _file_response(tables, fmt, f"{key}-{scope}", period)


@manager_required
@reporting_view
def billing(request):
    form = BillingFilterForm(request.GET or None)
    context = {"form": form}
    if request.GET:
        if not form.is_valid():
            return render(request, "reports/billing.html", context, status=400)
        client, period = form.cleaned_data["client"], form.period()
        summary = billing_summary(client, period)
        query = _filters_query(form)
        context.update(
            client=client,
            period=period,
            summary=summary,
            billing=_section(billing_table(summary), query=query),
            overrides=_section(override_table(override_log(client, period)), query=query),
            override_form=BillingOverrideForm(),
            query=query,
        )
    return render(request, "reports/billing.html", context)


@manager_required
@require_POST
def billing_override(request):
    """Record a billing override, then back to the billing page it was made from."""
    form = BillingOverrideForm(request.POST)
    back = request.POST.get("next", "")
    if not back.startswith(reverse("reports:billing") + "?"):
        back = reverse("reports:billing")
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label} : {' '.join(errors)}" if label else " ".join(errors))
        return redirect(back)
    ticket = form.cleaned_data["ticket"]
    billing_override_record(
        ticket=ticket,
        by=request.user,
        reason=form.cleaned_data["reason"],
        billable=form.cleaned_data["billable"],
        rate=form.cleaned_data.get("rate"),
    )
    messages.success(request, _("Dérogation enregistrée pour %(ref)s.") % {"ref": ticket.reference})
    return redirect(back)


@manager_required
@require_http_methods(["GET", "POST"])
def monthly(request):
    """Stored monthly reports, and generating one on demand (through the Celery task)."""
    form = GenerateReportForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            client, period = form.cleaned_data["client"], form.cleaned_data["month"]
            user_id = request.user.pk
            transaction.on_commit(
                lambda: generate_client_report.delay(
                    client.pk, period.start.isoformat(), period.end.isoformat(), user_id
                )
            )
            messages.success(
                request,
                _("Génération du rapport %(client)s – %(period)s lancée.")
                % {"client": client.name, "period": period.label},
            )
            return redirect("reports:monthly")
        status = 400
    else:
        status = 200
    reports = ClientReport.objects.select_related("client", "generated_by")[:200]
    return render(
        request, "reports/monthly.html", {"form": form, "reports": reports}, status=status
    )


@client_reports_required
def monthly_download(request, pk: int):
    report = get_object_or_404(ClientReport.objects.select_related("client"), pk=pk)
    check_client(request.user, report.client)
    try:
        handle = report.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=report.download_name, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
