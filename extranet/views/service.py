"""Service level: GTI met rate per month and urgency, chart and table."""

from __future__ import annotations

from django.shortcuts import render

from sla.policy import Urgency

from .. import stats
from ..access import contact_required
from ..forms import URGENCY_ORDER


@contact_required
def service_level(request):
    rows = stats.service_level(request.contact)
    return render(
        request,
        "extranet/service_level.html",
        {
            "rows": rows,
            "bars": stats.chart_bars(rows),
            "urgencies": [(u.value, Urgency(u).label) for u in URGENCY_ORDER],
            "chart": {
                "width": 40 + len(rows) * stats.GROUP_WIDTH + 10,
                "height": stats.CHART_TOP + stats.CHART_HEIGHT + 30,
                "base": stats.CHART_TOP + stats.CHART_HEIGHT,
                "top": stats.CHART_TOP,
                "mid": stats.CHART_TOP + stats.CHART_HEIGHT / 2,
                "labels": [
                    (40 + i * stats.GROUP_WIDTH + stats.GROUP_WIDTH / 2 - 4, row.month)
                    for i, row in enumerate(rows)
                ],
            },
            "nav": "service",
        },
    )
