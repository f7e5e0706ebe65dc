"""Coverage plans as the calendars and the paging rule read them (cached in
``calendars.registry``, rebuilt when a plan or a contract's subscription changes)."""

from __future__ import annotations

from datetime import datetime

from calendars import registry
from sla.policy import (
    Coverage,
    HoursPlan,
    calendar_for,
    coverage_basis,
    coverage_for,
)

from .plans import ContractCoverage, CoveragePlan


def load() -> tuple[dict[int, registry.PlanSpec], dict[int, Coverage]]:
    """Every plan's windows and every contract's subscription (two queries)."""
    plans: dict[int, registry.PlanSpec] = {}
    for plan in CoveragePlan.objects.prefetch_related("windows"):
        week: dict[int, list[tuple[int, int]]] = {}
        for window in plan.windows.all():
            week.setdefault(window.weekday, []).append(window.minutes)
        plans[plan.pk] = registry.PlanSpec(
            name=plan.name,
            windows={d: registry.merge(w) for d, w in week.items()},
            holidays_included=plan.holidays_included,
        )
    contracts = {
        contract_id: Coverage(plan_id=plan_id, urgencies=frozenset(urgencies))
        for contract_id, plan_id, urgencies in ContractCoverage.objects.values_list(
            "contract_id", "plan_id", "plan__paging_urgencies"
        )
    }
    return plans, contracts


def paging_urgencies_anywhere() -> frozenset[str]:
    """Every urgency some plan pages for (a cheap first filter on ticket events)."""
    return registry.paging_urgencies()


def desk_plan(hours_plan: str | None) -> str:
    """The hours the desk itself covers for a contract: a 24x7 contract's staffed hours are
    Oceanis standard hours (on-call covers the rest)."""
    plan = hours_plan or HoursPlan.STANDARD
    return HoursPlan.STANDARD if plan == HoursPlan.ON_CALL else plan


def in_coverage_window(*, contract_id: int | None, hours_plan: str | None, at: datetime) -> bool:
    """Out of the contract's subscribed hours but inside its on-call plan's windows."""
    coverage = coverage_for(contract_id)
    if coverage is None:
        return False
    desk = desk_plan(hours_plan)
    if calendar_for(desk).is_open(at):
        return False
    return calendar_for(coverage_basis(coverage.plan_id, desk)).is_open(at)
