"""Dispatch: which technician should take a ticket, and why.

The centre manager (or the deputy) arbitrates every assignment; this module only proposes a
ranking with the reason for each rank, following the Oceanis rules in order:

1. technicians whose level is up to the complexity before those below it: the top of the
   ranking (the dispatcher's one-click choice) is never someone who cannot do the work; among
   those below it, the closest level first;
2. then the contract's referent technician ("véritable mémoire de la relation" with the client):
   first among the qualified; a referent below the required level is still listed, after the
   qualified technicians, with the reason;
3. then Pôle Projets members last (they only reinforce the centre from time to time);
4. then the closest level, so expert work goes to experts and standard work does not use up
   experts;
5. then the current open workload, weighted by urgency (a critical ticket weighs 4, a
   non-blocking one 1, see ``sla.policy.URGENCY_RANK``).

Technicians marked unavailable (absent) are never proposed, nor those the caller says are off
shift (``excluded_ids``: the back-office asks ``shifts.selectors``, which this module must not
import since shifts sits above tickets).

``rank_technicians`` is pure (no queries); ``team_workload`` loads every technician with their
open workload in two queries, whatever the number of tickets or technicians, so a page can rank
technicians for many tickets without N+1.
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce

from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sla.policy import URGENCY_RANK, Urgency
from staff.models import LEVEL_RANK, Level, Team, Technician

from .models import DEADLINE_ORDER, NOT_TAKEN_STATES, OPEN_STATES, Ticket
from .selectors import COUNT_ROWS, open_tickets

# Most urgent first, for display.
URGENCIES = sorted(Urgency, key=lambda u: -URGENCY_RANK[u])


@dataclass
class Workload:
    """A technician's open tickets, counted per urgency, and how many of them are at risk."""

    technician: Technician
    open_by_urgency: dict[str, int] = field(default_factory=dict)
    at_risk: int = 0
    breached: int = 0

    @property
    def open_count(self) -> int:
        return sum(self.open_by_urgency.values())

    @property
    def weighted(self) -> int:
        """Open tickets weighted by urgency: critical 4, very blocking 3, slightly 2, non 1."""
        return sum(URGENCY_RANK[Urgency(u)] * n for u, n in self.open_by_urgency.items())

    def by_urgency(self) -> list[tuple[Urgency, int]]:
        """(urgency, count) for every urgency, most urgent first (zeros included)."""
        return [(u, self.open_by_urgency.get(u.value, 0)) for u in URGENCIES]


@dataclass(frozen=True)
class Suggestion:
    """One proposed technician: position (1 = best) and the reasons, in rule order."""

    rank: int
    technician: Technician
    workload: Workload
    reasons: tuple[str, ...]
    referent: bool
    qualified: bool
    current: bool
    # The reasons as one line, as the dispatch screen shows them (joined once per technician
    # and case, not once per ticket).
    summary: str = ""


def team_workload(now: datetime | None = None, technicians=None) -> list[Workload]:
    """Every technician (or those given) with their open workload; two queries in all.

    The counts come from one statement of two index-only GROUP BYs (issue 23): open tickets
    per owner and urgency (the open tickets' ``assignee, urgency`` index), at risk and breached
    per owner (the running clocks' index: both need the clock still running). Neither reads a
    ticket row, so the cost follows the open work, never the closed history.
    """
    now = now or timezone.now()
    if technicians is None:
        technicians = Technician.objects.select_related("user")
    loads = {tech.pk: Workload(technician=tech) for tech in technicians}
    owned = Ticket.objects.filter(assignee__in=list(loads)).order_by()
    per_urgency = (
        owned.filter(state__in=OPEN_STATES)
        .values("assignee", "urgency")
        .annotate(n=Count("*"), at_risk=Value(0), breached=Value(0))
        .values_list("assignee", "urgency", "n", "at_risk", "breached")
    )
    running = (
        owned.filter(state__in=NOT_TAKEN_STATES)
        .values("assignee")
        .annotate(
            urgency=Value(""),
            n=Value(0),
            # Counting a column of the index (never NULL under these conditions) keeps the
            # scan index-only; COUNT(*) cannot take a filter in Django.
            at_risk=Count("gti_deadline", filter=Q(gti_risk_at__lte=now, gti_deadline__gt=now)),
            breached=Count("gti_deadline", filter=Q(gti_deadline__lte=now)),
        )
        .values_list("assignee", "urgency", "n", "at_risk", "breached")
    )
    for assignee, urgency, n, at_risk, breached in per_urgency.union(running, all=True):
        load = loads[assignee]
        if urgency:
            load.open_by_urgency[urgency] = n
        load.at_risk += at_risk
        load.breached += breached
    return list(loads.values())


def rank_technicians(
    *,
    complexity: str,
    referent_id: int | None,
    workloads: Iterable[Workload],
    current_id: int | None = None,
    excluded_ids: Collection[int] = frozenset(),
    reasons_memo: dict | None = None,
) -> list[Suggestion]:
    """Rank the available technicians for a ticket of this complexity; pure, no queries.

    ``referent_id`` is the contract's referent technician (None without one), ``current_id``
    the ticket's current assignee (flagged, not favoured), ``excluded_ids`` technicians off
    shift (never proposed, like absent ones). ``reasons_memo`` lets a caller ranking many
    tickets against the same workloads share the reason texts (they only depend on the
    technician, the complexity and the referent/current flags) and each technician's standing
    (level, workload, name): the workloads must not change while the memo is shared.
    """
    needed = LEVEL_RANK[Level(complexity)]
    memo = {} if reasons_memo is None else reasons_memo

    def standing(load: Workload) -> tuple[int, int, int, str]:
        """What the ranking reads of a technician beyond the ticket: level rank, weighted and
        plain workload, name; computed once per technician for a page of tickets."""
        tech = load.technician
        memo_key = ("standing", tech.pk)
        if memo_key not in memo:
            memo[memo_key] = (
                LEVEL_RANK[Level(tech.level)],
                load.weighted,
                load.open_count,
                str(tech).lower(),
            )
        return memo[memo_key]

    def key(load: Workload):
        tech = load.technician
        level, weighted, open_count, name = standing(load)
        return (
            level < needed,
            max(needed - level, 0),
            tech.pk != referent_id,
            tech.team == Team.BUILD,
            abs(level - needed),
            weighted,
            open_count,
            name,
            tech.pk,
        )

    available = sorted(
        (w for w in workloads if w.technician.available and w.technician.pk not in excluded_ids),
        key=key,
    )

    def reasons(load: Workload) -> tuple[tuple[str, ...], str]:
        pk = load.technician.pk
        memo_key = (pk, complexity, pk == referent_id, pk == current_id)
        if memo_key not in memo:
            listed = tuple(_reasons(load, complexity, referent_id, current_id))
            memo[memo_key] = (listed, " · ".join(listed))
        return memo[memo_key]

    suggestions = []
    for position, load in enumerate(available, start=1):
        listed, summary = reasons(load)
        suggestions.append(
            Suggestion(
                rank=position,
                technician=load.technician,
                workload=load,
                reasons=listed,
                referent=load.technician.pk == referent_id,
                qualified=standing(load)[0] >= needed,
                current=load.technician.pk == current_id,
                summary=summary,
            )
        )
    return suggestions


def _reasons(load: Workload, complexity: str, referent_id, current_id) -> list[str]:
    tech = load.technician
    level, needed = LEVEL_RANK[Level(tech.level)], LEVEL_RANK[Level(complexity)]
    names = {"level": Level(tech.level).label, "complexity": Level(complexity).label}
    reasons = []
    if tech.pk == referent_id and level >= needed:
        reasons.append(_("Technicien référent du contrat"))
    elif tech.pk == referent_id:
        reasons.append(_("Technicien référent du contrat, proposé après les techniciens qualifiés"))
    if level == needed:
        reasons.append(_("Niveau %(level)s : correspond à la complexité") % names)
    elif level > needed:
        reasons.append(_("Niveau %(level)s, au-dessus de la complexité %(complexity)s") % names)
    else:
        reasons.append(_("Niveau %(level)s insuffisant pour la complexité %(complexity)s") % names)
    if tech.team == Team.BUILD:
        reasons.append(_("Pôle Projets : renfort ponctuel"))
    if load.open_count:
        reasons.append(
            ngettext(
                "Charge : %(count)d demande ouverte (poids %(weight)d)",
                "Charge : %(count)d demandes ouvertes (poids %(weight)d)",
                load.open_count,
            )
            % {"count": load.open_count, "weight": load.weighted}
        )
    else:
        reasons.append(_("Charge : aucune demande ouverte"))
    if tech.pk == current_id:
        reasons.append(_("Technicien actuellement affecté"))
    return reasons


def dispatch_tickets(
    now: datetime | None = None, orphan_owner_ids: Collection[int] = ()
) -> QuerySet[Ticket]:
    """Tickets the dispatcher must look at, nearest GTI deadline first: open and unassigned,
    not yet taken in charge with ≥ 75 % of the GTI consumed (at risk or already breached), or
    open with an owner among ``orphan_owner_ids`` (whose shift ended without a handover)."""
    condition = reduce(operator.or_, _dispatch_parts(now, orphan_owner_ids))
    # Ordered on the key of the open tickets' dispatch index (same order as the deadline, a
    # ticket without one last), which keyset pages read in order (issue 23).
    return (
        open_tickets()
        .filter(condition)
        .annotate(deadline_order=DEADLINE_ORDER)
        .order_by("deadline_order", "created_at", "pk")
        .select_related("contract")
    )


def _dispatch_parts(now: datetime | None, orphan_owner_ids: Collection[int]) -> list[Q]:
    """The dispatch condition as disjoint parts (their union is the condition): unassigned;
    assigned, not yet taken and ≥ 75 % consumed; the rest of the orphaned owners' tickets."""
    now = now or timezone.now()
    unassigned = Q(assignee__isnull=True)
    late = Q(state__in=NOT_TAKEN_STATES, gti_risk_at__lte=now)
    parts = [unassigned, late & ~unassigned]
    if orphan_owner_ids:
        parts.append(Q(assignee_id__in=list(orphan_owner_ids)) & ~unassigned & ~late)
    return parts


def dispatch_count(now: datetime | None = None, orphan_owner_ids: Collection[int] = ()) -> int:
    """How many tickets ``dispatch_tickets`` lists: one statement of index-only counts, one
    per disjoint part (unassigned: the open tickets by owner; late: the running clocks)."""
    parts = _dispatch_parts(now, orphan_owner_ids)
    queries = [
        Ticket.objects.filter(part, state__in=OPEN_STATES)
        .order_by()
        .annotate(n=COUNT_ROWS)
        .values_list("n", flat=True)
        for part in parts
    ]
    return sum(queries[0].union(*queries[1:], all=True))


def suggestions_for(
    tickets: Iterable[Ticket], workloads: list[Workload], excluded_ids: Collection[int] = ()
) -> dict[int, list]:
    """{ticket pk: ranked suggestions} for tickets loaded with their contract; no queries."""
    memo: dict = {}
    return {
        ticket.pk: rank_technicians(
            complexity=ticket.complexity,
            referent_id=ticket.contract.referent_id if ticket.contract_id else None,
            workloads=workloads,
            current_id=ticket.assignee_id,
            excluded_ids=excluded_ids,
            reasons_memo=memo,
        )
        for ticket in tickets
    }


def spread(
    tickets: Iterable[Ticket], workloads: list[Workload], excluded_ids: Collection[int] = ()
) -> list[tuple[Ticket, Suggestion]]:
    """The best technician for each ticket of a batch, in order, counting each planned
    assignment in that technician's workload so the batch is spread over the team instead of
    piling up on whoever was least loaded at the start. Mutates ``workloads``; no queries.
    Tickets with no available technician, or already with the best one, are left out."""
    by_id = {load.technician.pk: load for load in workloads}
    plan = []
    for ticket in tickets:
        ranked = rank_technicians(
            complexity=ticket.complexity,
            referent_id=ticket.contract.referent_id if ticket.contract_id else None,
            workloads=workloads,
            current_id=ticket.assignee_id,
            excluded_ids=excluded_ids,
        )
        if not ranked or ranked[0].current:
            continue  # nobody available, or already with the best technician
        best = ranked[0]
        counts = best.workload.open_by_urgency
        counts[ticket.urgency] = counts.get(ticket.urgency, 0) + 1
        previous = by_id.get(ticket.assignee_id)
        if previous is not None and previous.open_by_urgency.get(ticket.urgency):
            previous.open_by_urgency[ticket.urgency] -= 1
        plan.append((ticket, best))
    return plan
