"""staff.policy: the role rules, asked again by the ticket services under the row lock, so
every door (back-office, API, admin, inbound mail, alerts, on-call) obeys them."""

import pytest
from django.core.exceptions import PermissionDenied

from api.scopes import CLIENT_SCOPES, INTEGRATION_SCOPES
from api.services import token_create
from shifts.services import handover_perform
from staff import policy
from staff.policy import Action, Role
from tests.factories import (
    ContactFactory,
    ContractFactory,
    SiteFactory,
    TechnicianFactory,
    UserFactory,
    make_manager,
    make_ticket,
)
from tickets import services
from tickets.models import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return ContractFactory(client__code="acme").client


@pytest.fixture
def alice():
    return TechnicianFactory(user__username="alice")


@pytest.fixture
def bob():
    return TechnicianFactory(user__username="bob")


@pytest.fixture
def bobs_ticket(acme, bob):
    return make_ticket(client=acme, assignee=bob)


def test_roles_of_every_kind_of_actor(acme, alice):
    integration, _ = token_create(name="Supervision", scopes=INTEGRATION_SCOPES)
    client_tool, _ = token_create(name="Outil ACME", scopes=CLIENT_SCOPES, client=acme)
    contact = ContactFactory(client=acme, user=UserFactory(username="contact"))
    assert policy.role_of(None) == Role.SYSTEM
    assert policy.role_of(alice.user) == Role.TECHNICIAN
    assert policy.role_of(make_manager().user) == Role.MANAGER
    assert policy.role_of(make_manager("deputy", deputy=True).user) == Role.MANAGER
    assert policy.role_of(UserFactory(username="root", is_superuser=True, is_staff=True)) == (
        Role.MANAGER
    )
    assert policy.role_of(integration.user) == Role.INTEGRATION
    assert policy.role_of(client_tool.user) == Role.CLIENT
    assert policy.role_of(contact.user) == Role.CLIENT
    assert policy.role_of(UserFactory(username="nobody")) == Role.NOBODY


@pytest.mark.parametrize(
    "action",
    [
        Action.TICKET_TAKE,
        Action.TICKET_PENDING,
        Action.TICKET_RESOLVE,
        Action.TICKET_CLOSE,
        Action.TICKET_CANCEL,
        Action.TICKET_REOPEN,
        Action.TICKET_ESCALATE,
        Action.TICKET_REQUALIFY,
        Action.TICKET_URGENCY,
        Action.TICKET_PLAN,
    ],
)
def test_a_technician_acts_on_their_own_or_unassigned_tickets_only(
    alice, bob, acme, bobs_ticket, action
):
    own = make_ticket(client=acme, assignee=alice)
    unassigned = make_ticket(client=acme)
    assert policy.allows(alice.user, action, own)
    assert policy.allows(alice.user, action, unassigned)
    assert not policy.allows(alice.user, action, bobs_ticket)
    with pytest.raises(PermissionDenied, match="affectée à"):
        policy.check(alice.user, action, bobs_ticket)
    assert policy.allows(make_manager().user, action, bobs_ticket)


def test_the_l2_resolver_named_on_escalation_acts_on_the_ticket(alice, bobs_ticket):
    services.ticket_escalate(ticket=bobs_ticket, by=None, reason="N2", resolver=alice)
    assert policy.allows(alice.user, Action.TICKET_RESOLVE, bobs_ticket)


def test_only_the_manager_and_the_deputy_reassign(alice, bob, bobs_ticket, acme):
    unassigned = make_ticket(client=acme)
    assert policy.allows(alice.user, Action.TICKET_ASSIGN, unassigned, technician=alice)
    assert not policy.allows(alice.user, Action.TICKET_ASSIGN, unassigned, technician=bob)
    assert not policy.allows(alice.user, Action.TICKET_ASSIGN, bobs_ticket, technician=alice)
    for boss in (make_manager(), make_manager("deputy", deputy=True)):
        assert policy.allows(boss.user, Action.TICKET_ASSIGN, bobs_ticket, technician=alice)


def test_any_staff_member_contributes_to_any_ticket(alice, bobs_ticket):
    assert policy.allows(alice.user, Action.TICKET_CONTRIBUTE, bobs_ticket)
    services.ticket_add_entry(
        ticket=bobs_ticket, by=alice.user, body="Un coup de main", public=False
    )


def test_the_services_refuse_a_colleague_and_record_nothing(alice, bobs_ticket):
    before = bobs_ticket.events.count()
    with pytest.raises(PermissionDenied):
        services.ticket_take_in_charge(ticket=bobs_ticket, by=alice.user)
    with pytest.raises(PermissionDenied):
        services.ticket_assign(ticket=bobs_ticket, technician=alice, by=alice.user)
    with pytest.raises(PermissionDenied):
        services.ticket_change_urgency(ticket=bobs_ticket, by=alice.user, urgency="critical")
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.events.count() == before
    assert bobs_ticket.taken_in_charge_at is None and bobs_ticket.assignee.user.username == "bob"


def test_the_system_does_what_it_does_today(bobs_ticket, alice):
    # Automatic closure, sweepers, mail and alert intake without an account run as by=None.
    services.ticket_take_in_charge(ticket=bobs_ticket, by=None)
    services.ticket_resolve(ticket=bobs_ticket, by=None, note="Corrigé.")
    services.ticket_close(ticket=bobs_ticket, by=None, synthesis="Clôture automatique")
    assert bobs_ticket.state == State.CLOSED


@pytest.mark.parametrize(
    "action",
    [
        Action.DISPATCH,
        Action.REPORTS,
        Action.SHIFT_PLAN,
        Action.ONCALL_OVERRIDE,
        Action.PORTFOLIO_ASSIGN,
        Action.PORTFOLIO_VIEW,  # a technician is no service manager (tests/portfolios)
        Action.STEERING_MANAGE,
    ],
)
def test_dispatch_reports_shift_planning_and_on_call_overrides_are_the_managers(alice, action):
    assert not policy.allows(alice.user, action)
    assert policy.allows(make_manager().user, action)
    assert policy.allows(make_manager("deputy", deputy=True).user, action)


def test_an_integration_is_never_a_manager(acme, alice, bob):
    token, _ = token_create(name="Supervision", scopes=INTEGRATION_SCOPES)
    account = token.user
    for action in (Action.BACKOFFICE, Action.DISPATCH, Action.REPORTS, Action.SHIFT_PLAN):
        assert not policy.allows(account, action), action
    unassigned = make_ticket(client=acme)
    assert policy.allows(account, Action.TICKET_ASSIGN, unassigned, technician=bob)
    services.ticket_assign(ticket=unassigned, technician=bob, by=account)
    with pytest.raises(PermissionDenied, match="intégration"):
        services.ticket_assign(ticket=unassigned, technician=alice, by=account)
    assert policy.allows(account, Action.WEBHOOKS_MANAGE)


def test_a_client_reopens_or_confirms_only_what_their_organisation_sees(acme, alice):
    site, other_site = SiteFactory(client=acme), SiteFactory(client=acme)
    contact = ContactFactory(client=acme, user=UserFactory(username="c"))
    restricted = ContactFactory(
        client=acme, site=site, visibility="site", user=UserFactory(username="agence")
    )
    outsider = ContactFactory(client=ContractFactory().client, user=UserFactory(username="o"))
    at_site = make_ticket(client=acme, site=site)
    elsewhere = make_ticket(client=acme, site=other_site)
    assert policy.allows(contact.user, Action.TICKET_REOPEN, elsewhere)
    assert policy.allows(restricted.user, Action.TICKET_REOPEN, at_site)
    assert not policy.allows(restricted.user, Action.TICKET_REOPEN, elsewhere)
    assert not policy.allows(outsider.user, Action.TICKET_REOPEN, at_site)
    for action in (Action.TICKET_TAKE, Action.TICKET_ASSIGN, Action.TICKET_CANCEL):
        assert not policy.allows(contact.user, action, at_site), action
    assert not policy.allows(contact.user, Action.BACKOFFICE)


def test_the_on_call_technician_paged_for_a_ticket_takes_it_in_charge(bobs_ticket, alice):
    from oncall.models import Page

    page = Page(ticket=bobs_ticket)
    assert not policy.allows(alice.user, Action.TICKET_TAKE, bobs_ticket)
    assert policy.allows(alice.user, Action.TICKET_TAKE, bobs_ticket, page=page)
    other_page = Page(ticket=make_ticket(client=bobs_ticket.client))
    assert not policy.allows(alice.user, Action.TICKET_TAKE, bobs_ticket, page=other_page)


def test_a_technician_hands_over_their_own_tickets_at_the_end_of_a_shift(alice, bob, acme):
    own = make_ticket(client=acme, assignee=alice)
    handover_perform(from_technician=alice, to_technician=bob, items=[(own, "RAS")], by=alice.user)
    own.refresh_from_db()
    assert own.assignee == bob
    # Someone else's tickets: the manager's arbitration.
    with pytest.raises(PermissionDenied):
        handover_perform(
            from_technician=bob,
            to_technician=alice,
            items=[(own, "Je prends")],
            by=alice.user,
        )
    assert policy.allows(alice.user, Action.SHIFT_HANDOVER, alice)
    assert not policy.allows(alice.user, Action.SHIFT_HANDOVER, bob)


def test_a_clients_monitoring_raises_and_withdraws_only_the_tickets_it_opened(acme):
    tool, _ = token_create(name="Supervision ACME", scopes=CLIENT_SCOPES, client=acme)
    opened = make_ticket(client=acme, by=tool.user)
    other = make_ticket(client=acme)
    services.ticket_change_urgency(ticket=opened, by=tool.user, urgency="critical")
    assert not policy.allows(tool.user, Action.TICKET_CANCEL, other)
    assert not policy.allows(tool.user, Action.TICKET_TAKE, opened)
    services.ticket_cancel(ticket=opened, by=tool.user, reason="Rétablissement")
    assert opened.state == State.CANCELLED
