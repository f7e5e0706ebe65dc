"""The technician-suggestion service (tickets.dispatch): ranking, reasons, workload."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from sla.policy import Urgency
from staff.models import Level, Team, Technician
from tests.factories import ContractFactory, TechnicianFactory, make_ticket
from tickets import services
from tickets.dispatch import (
    Workload,
    dispatch_tickets,
    rank_technicians,
    spread,
    suggestions_for,
    team_workload,
)

PARIS = ZoneInfo("Europe/Paris")
User = get_user_model()


def tech(pk, name, level=Level.STANDARD, team=Team.SERVICE_DESK, available=True, **load):
    """An unsaved technician with a workload: the ranking is pure and needs no database."""
    technician = Technician(
        pk=pk, level=level, team=team, available=available, user=User(username=name)
    )
    return Workload(technician=technician, open_by_urgency=load)


def names(suggestions):
    return [str(s.technician) for s in suggestions]


def test_the_contracts_referent_comes_first_even_when_busier_and_more_qualified():
    loads = [
        tech(1, "alice", Level.CONFIRMED),
        tech(2, "bruno", Level.EXPERT, critical=3, very_blocking=2),
    ]
    ranked = rank_technicians(complexity=Level.CONFIRMED, referent_id=2, workloads=loads)
    assert names(ranked) == ["bruno", "alice"]
    assert ranked[0].referent and ranked[0].rank == 1
    assert "Technicien référent du contrat" in ranked[0].reasons


def test_a_referent_below_the_required_level_is_listed_after_the_qualified_technicians():
    loads = [
        tech(1, "alice", Level.EXPERT, critical=2),
        tech(2, "bruno", Level.STANDARD),
        tech(3, "chloe", Level.CONFIRMED),
    ]
    ranked = rank_technicians(complexity=Level.EXPERT, referent_id=2, workloads=loads)
    assert names(ranked) == ["alice", "chloe", "bruno"]
    assert ranked[0].qualified and not ranked[0].referent
    referent = ranked[2]
    assert referent.referent and not referent.qualified
    assert referent.reasons[:2] == (
        "Technicien référent du contrat, proposé après les techniciens qualifiés",
        "Niveau Standard insuffisant pour la complexité Expert",
    )


def test_among_under_qualified_technicians_the_referent_leads_at_the_same_level():
    loads = [tech(1, "alice"), tech(2, "bruno")]
    ranked = rank_technicians(complexity=Level.EXPERT, referent_id=2, workloads=loads)
    assert names(ranked) == ["bruno", "alice"]


def test_expert_work_goes_to_experts_before_confirmed_then_standard_technicians():
    loads = [
        tech(1, "std", Level.STANDARD),
        tech(2, "conf", Level.CONFIRMED),
        tech(3, "exp", Level.EXPERT, critical=2),
    ]
    ranked = rank_technicians(complexity=Level.EXPERT, referent_id=None, workloads=loads)
    assert names(ranked) == ["exp", "conf", "std"]
    assert [s.qualified for s in ranked] == [True, False, False]
    assert any("insuffisant" in r for r in ranked[2].reasons)


def test_standard_work_does_not_use_up_experts():
    loads = [tech(1, "exp", Level.EXPERT), tech(2, "conf", Level.CONFIRMED), tech(3, "std")]
    ranked = rank_technicians(complexity=Level.STANDARD, referent_id=None, workloads=loads)
    assert names(ranked) == ["std", "conf", "exp"]
    assert "au-dessus de la complexité" in ranked[2].reasons[0]


def test_at_equal_level_the_lighter_workload_weighted_by_urgency_wins():
    # Two critical tickets (weight 8) weigh more than five non-blocking ones (weight 5).
    loads = [
        tech(1, "busy", critical=2),
        tech(2, "many", non_blocking=5),
        tech(3, "idle"),
    ]
    ranked = rank_technicians(complexity=Level.STANDARD, referent_id=None, workloads=loads)
    assert names(ranked) == ["idle", "many", "busy"]
    assert ranked[1].reasons[-1] == "Charge : 5 demandes ouvertes (poids 5)"
    assert ranked[0].reasons[-1] == "Charge : aucune demande ouverte"


def test_absent_technicians_are_never_proposed_not_even_the_referent():
    loads = [tech(1, "away", available=False), tech(2, "here")]
    ranked = rank_technicians(complexity=Level.STANDARD, referent_id=1, workloads=loads)
    assert names(ranked) == ["here"]


def test_technicians_off_shift_are_excluded_like_absent_ones():
    loads = [tech(1, "gone"), tech(2, "here", critical=5)]
    ranked = rank_technicians(
        complexity=Level.STANDARD, referent_id=1, workloads=loads, excluded_ids={1}
    )
    assert names(ranked) == ["here"]


def test_project_team_members_only_reinforce_after_the_centres_technicians():
    loads = [
        tech(1, "projet", Level.EXPERT, Team.BUILD),
        tech(2, "run", Level.EXPERT, Team.RUN, critical=1),
    ]
    ranked = rank_technicians(complexity=Level.EXPERT, referent_id=None, workloads=loads)
    assert names(ranked) == ["run", "projet"]
    assert "Pôle Projets : renfort ponctuel" in ranked[1].reasons


def test_the_current_assignee_is_flagged_but_not_favoured():
    loads = [tech(1, "current", critical=1), tech(2, "free")]
    ranked = rank_technicians(
        complexity=Level.STANDARD, referent_id=None, workloads=loads, current_id=1
    )
    assert names(ranked) == ["free", "current"]
    assert ranked[1].current and "Technicien actuellement affecté" in ranked[1].reasons


def test_ties_are_broken_by_name_so_the_ranking_is_stable():
    loads = [tech(2, "zoe"), tech(1, "anna")]
    ranked = rank_technicians(complexity=Level.STANDARD, referent_id=None, workloads=loads)
    assert names(ranked) == ["anna", "zoe"]
    assert [s.rank for s in ranked] == [1, 2]


@pytest.mark.django_db
def test_team_workload_counts_open_tickets_per_urgency_and_at_risk_in_two_queries(
    django_assert_num_queries,
):
    busy, idle = TechnicianFactory(), TechnicianFactory()
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)  # Monday
    with time_machine.travel(start, tick=False):
        critical = make_ticket(urgency=Urgency.CRITICAL, assignee=busy)
        make_ticket(urgency=Urgency.NON_BLOCKING, assignee=busy)
        closed = make_ticket(urgency=Urgency.CRITICAL, assignee=busy)
        services.ticket_take_in_charge(ticket=closed, by=busy.user)
        services.ticket_resolve(ticket=closed, by=busy.user, note="Corrigé.")
        services.ticket_close(ticket=closed, by=busy.user, synthesis="Fait")
    # 50 minutes later the critical ticket's 1 h GTI is 83 % consumed: at risk.
    with django_assert_num_queries(2):
        loads = {w.technician.pk: w for w in team_workload(start + dt.timedelta(minutes=50))}
    assert loads[busy.pk].open_by_urgency == {"critical": 1, "non_blocking": 1}
    assert loads[busy.pk].weighted == 5
    assert loads[busy.pk].at_risk == 1
    assert loads[idle.pk].open_count == 0
    assert critical.assignee_id == busy.pk


@pytest.mark.django_db
def test_dispatch_lists_unassigned_and_at_risk_tickets_nearest_deadline_first():
    tech_ = TechnicianFactory()
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)
    with time_machine.travel(start, tick=False):
        slow = make_ticket(urgency=Urgency.NON_BLOCKING)
        assigned_risky = make_ticket(urgency=Urgency.CRITICAL, assignee=tech_)
        assigned_calm = make_ticket(urgency=Urgency.NON_BLOCKING, assignee=tech_)
        taken = make_ticket(urgency=Urgency.CRITICAL, assignee=tech_)
        services.ticket_take_in_charge(ticket=taken, by=tech_.user)
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        urgent = make_ticket(urgency=Urgency.CRITICAL)
    listed = list(dispatch_tickets(start + dt.timedelta(minutes=50)))
    assert listed == [assigned_risky, urgent, slow]
    assert assigned_calm not in listed and taken not in listed


@pytest.mark.django_db
def test_suggestions_for_a_page_of_tickets_cost_no_query_once_loaded(django_assert_num_queries):
    referent = TechnicianFactory(level=Level.EXPERT)
    TechnicianFactory(level=Level.EXPERT)
    contract = ContractFactory(referent=referent)
    for _ in range(3):
        make_ticket(client=contract.client, complexity=Level.EXPERT)
    tickets = list(dispatch_tickets())
    loads = team_workload()
    with django_assert_num_queries(0):
        ranked = suggestions_for(tickets, loads)
    assert all(r[0].technician == referent for r in ranked.values())


def unsaved_ticket(pk, urgency="critical", complexity=Level.STANDARD, assignee_id=None):
    from tickets.models import Ticket

    return Ticket(pk=pk, urgency=urgency, complexity=complexity, assignee_id=assignee_id)


def test_spread_counts_each_planned_assignment_so_a_batch_is_shared():
    loads = [tech(1, "alice"), tech(2, "bruno", non_blocking=1)]
    plan = spread([unsaved_ticket(n) for n in range(1, 5)], loads)
    assert [str(s.technician) for _, s in plan] == ["alice", "bruno", "alice", "bruno"]
    assert loads[0].open_by_urgency == {"critical": 2}


def test_spread_leaves_out_tickets_already_with_the_best_technician_and_moves_load():
    loads = [tech(1, "alice"), tech(2, "bruno", critical=3)]
    plan = spread([unsaved_ticket(1, assignee_id=1), unsaved_ticket(2, assignee_id=2)], loads)
    assert [(t.pk, str(s.technician)) for t, s in plan] == [(2, "alice")]
    assert loads[1].open_by_urgency == {"critical": 2}
    assert loads[0].open_by_urgency == {"critical": 1}


def test_spread_skips_tickets_nobody_can_take():
    assert spread([unsaved_ticket(1)], [tech(1, "away", available=False)]) == []
