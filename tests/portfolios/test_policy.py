"""The portfolio actions of staff.policy: whose client a service manager sees and writes for."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from portfolios.services import portfolio_assign
from staff import policy
from staff.policy import Action
from tests.extranet.conftest import make_contact

pytestmark = pytest.mark.django_db


def test_a_service_manager_sees_and_steers_the_clients_of_their_portfolio_only(
    portfolios, claire, acme, globex
):
    assert policy.allows(claire, Action.PORTFOLIO_VIEW)  # the screen itself
    assert policy.allows(claire, Action.PORTFOLIO_VIEW, acme)
    assert policy.allows(claire, Action.STEERING_MANAGE, acme)
    assert not policy.allows(claire, Action.PORTFOLIO_VIEW, globex)
    assert not policy.allows(claire, Action.STEERING_MANAGE, globex)
    assert not policy.allows(claire, Action.PORTFOLIO_ASSIGN)
    assert not policy.allows(claire, Action.REPORTS)  # never the whole centre


def test_the_backup_has_the_same_rights_as_the_service_manager(boss, acme, claire, paul):
    portfolio_assign(client=acme, service_manager=claire, backup=paul, by=boss)
    assert policy.allows(paul, Action.PORTFOLIO_VIEW, acme)
    assert policy.allows(paul, Action.STEERING_MANAGE, acme)


def test_managers_see_steer_and_assign_every_client(boss, acme):
    for action in (Action.PORTFOLIO_VIEW, Action.STEERING_MANAGE, Action.PORTFOLIO_ASSIGN):
        assert policy.allows(boss, action, acme)
        assert policy.allows(boss, action)


def test_technicians_contacts_and_the_anonymous_get_nothing(portfolios, tech, acme):
    contact = make_contact(acme, username="c.acme")
    for actor in (tech, contact.user):
        for action in (Action.PORTFOLIO_VIEW, Action.STEERING_MANAGE, Action.PORTFOLIO_ASSIGN):
            assert not policy.allows(actor, action), (actor, action)
            assert not policy.allows(actor, action, acme), (actor, action)


def test_leaving_the_group_takes_the_rights_away(portfolios, claire, acme):
    claire.groups.clear()
    claire = type(claire).objects.get(pk=claire.pk)  # the policy caches groups per instance
    assert not policy.allows(claire, Action.PORTFOLIO_VIEW, acme)


def test_only_the_managers_assign_a_portfolio(acme, claire, paul, tech):
    for actor in (claire, tech):
        with pytest.raises(PermissionDenied):
            portfolio_assign(client=acme, service_manager=paul, by=actor)


def test_the_role_and_the_service_manager_menu_share_one_group_query(
    claire, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert policy.role_of(claire) == policy.Role.TECHNICIAN
        assert policy.is_service_manager(claire)
        assert policy.allows(claire, Action.PORTFOLIO_VIEW)
