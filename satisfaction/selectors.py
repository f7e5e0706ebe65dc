"""Reads of ratings: one ticket's, and the report figures per month, technician and client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from .models import LOW_SCORE, Rating

SATISFIED = 4  # at or above: "satisfied"

L = TypeVar("L")


def rating_of(ticket) -> Rating | None:
    return Rating.objects.filter(ticket=ticket).first()


@dataclass(frozen=True)
class SatisfactionLine(Generic[L]):
    label: L  # a month (date), a technician's name or a client's name
    answers: int
    average: float | None
    satisfied_rate: float | None
    low: int
    score_sum: int = 0
    satisfied: int = 0


def _scope(client, start: datetime, end: datetime) -> QuerySet[Rating]:
    """Ratings of tickets closed in [start, end), for one client or all."""
    rows = Rating.objects.filter(closed_at__gte=start, closed_at__lt=end)
    return rows.filter(client=client) if client is not None else rows


AGGREGATES = {
    "answers": Count("pk"),
    "score_sum": Sum("score"),
    "satisfied": Count("pk", filter=Q(score__gte=SATISFIED)),
    "low": Count("pk", filter=Q(score__lte=LOW_SCORE)),
}


def _line(label: L, row: Mapping[str, Any]) -> SatisfactionLine[L]:
    answers = row["answers"]
    return SatisfactionLine(
        label=label,
        answers=answers,
        average=round(row["score_sum"] / answers, 2) if answers else None,
        satisfied_rate=row["satisfied"] / answers if answers else None,
        low=row["low"],
        score_sum=row["score_sum"] or 0,
        satisfied=row["satisfied"],
    )


def by_month(client, start: datetime, end: datetime, tz) -> list[SatisfactionLine[date]]:
    rows = (
        _scope(client, start, end)
        .annotate(month=TruncMonth("closed_at", tzinfo=tz))
        .values("month")
        .annotate(**AGGREGATES)
        .order_by("month")
    )
    return [_line(row["month"].date(), row) for row in rows]


def by_technician(client, start: datetime, end: datetime) -> list[SatisfactionLine[str]]:
    rows = (
        _scope(client, start, end)
        .values("technician__user__first_name", "technician__user__last_name", "technician")
        .annotate(**AGGREGATES)
        # F(): the annotations come from AGGREGATES, which the type checker cannot see.
        .order_by(F("answers").desc(), "technician__user__last_name")
    )
    lines = []
    for row in rows:
        name = " ".join(
            p
            for p in (row["technician__user__first_name"], row["technician__user__last_name"])
            if p
        )
        lines.append(_line(name or "—", row))
    return lines


def by_client(start: datetime, end: datetime) -> list[SatisfactionLine[str]]:
    rows = (
        _scope(None, start, end)
        .values("client__name")
        .annotate(**AGGREGATES)
        .order_by("client__name")
    )
    return [_line(row["client__name"], row) for row in rows]


def per_client(
    client_ids: list[int], start: datetime, end: datetime
) -> dict[int, SatisfactionLine[int]]:
    """{client id: its line} for the clients that have answers, in one query (a portfolio)."""
    rows = (
        _scope(None, start, end)
        .filter(client_id__in=client_ids)
        .order_by()
        .values("client_id")
        .annotate(**AGGREGATES)
    )
    return {row["client_id"]: _line(row["client_id"], row) for row in rows}


def total(lines: list[SatisfactionLine[Any]]) -> SatisfactionLine[str]:
    """The sum of month (or any) lines, without another query."""
    row = {
        "answers": sum(line.answers for line in lines),
        "score_sum": sum(line.score_sum for line in lines),
        "satisfied": sum(line.satisfied for line in lines),
        "low": sum(line.low for line in lines),
    }
    return _line("", row)
