"""One test per kind of notice: who is told, and of what."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group

from extranet import services as actions
from notices.models import Notice, NoticeKind
from staff.models import DEPUTY_GROUP, Level, Team
from tests.factories import ContactFactory, TechnicianFactory, UserFactory, make_ticket
from tests.notices.conftest import kinds_of, notices_of
from tickets import services
from tickets.models import Channel, State, Ticket
from tickets.sla_warnings import record_due_sla_warnings

pytestmark = pytest.mark.django_db


def test_assigned_to_me(ticket, owner, manager):
    notice = notices_of(owner.user)[0]
    assert notice.kind == NoticeKind.ASSIGNED
    assert notice.ticket == ticket
    assert notice.actor == manager.user
    assert notice.url == f"/tickets/{ticket.reference}/"
    assert notice.params["reference"] == ticket.reference


def test_escalated_to_me_names_the_resolver_only(ticket, owner, committed):
    expert = TechnicianFactory(user__username="expert", level=Level.EXPERT, team=Team.RUN)
    with committed():
        services.ticket_escalate(
            ticket=ticket, by=owner.user, reason="Routeur à reconfigurer", resolver=expert
        )
    assert kinds_of(expert.user) == [NoticeKind.ESCALATED]
    assert notices_of(expert.user)[0].params["level"] == 2
    assert kinds_of(owner.user) == [NoticeKind.ASSIGNED]  # the owner acted: nothing new


def test_client_reply_by_mail_reaches_assignee_resolver_and_watchers(ticket, owner, committed):
    resolver = TechnicianFactory(user__username="resolver")
    watcher = TechnicianFactory(user__username="watcher")
    with committed():
        services.ticket_set_resolver(ticket=ticket, by=owner.user, resolver=resolver, reason="N2")
        services.ticket_watcher_add(ticket=ticket, by=owner.user, user=watcher.user)
        services.ticket_client_reply(
            ticket=ticket,
            by=None,
            body="Toujours en panne ce matin.",
            via=Channel.EMAIL,
            kind="email_in",
            payload={"from": "jean@client.test"},
        )
    for person in (owner, resolver, watcher):
        notice = Notice.objects.get(recipient=person.user, kind=NoticeKind.CLIENT_EMAIL)
        assert notice.params["excerpt"] == "Toujours en panne ce matin."
        assert notice.params["actor"] == "jean@client.test"


def test_client_comment_on_the_extranet(ticket, owner, contact, committed):
    with committed():
        actions.comment_add(contact=contact, ticket=ticket, body="Voici la capture demandée.")
    assert kinds_of(owner.user)[-1] == NoticeKind.CLIENT_COMMENT
    assert not Notice.objects.filter(recipient=contact.user).exists()  # clients never


def _resolved(ticket, owner, committed):
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=owner.user)
        services.ticket_resolve(ticket=ticket, by=owner.user, note="Pilote réinstallé.")
    return ticket


def test_client_confirmed_the_resolution(ticket, owner, contact, committed):
    _resolved(ticket, owner, committed)
    with committed():
        actions.resolution_confirm(contact=contact, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert kinds_of(owner.user)[-1] == NoticeKind.CLIENT_CONFIRMED


def test_client_reopened(ticket, owner, contact, committed):
    _resolved(ticket, owner, committed)
    with committed():
        actions.resolution_reject(contact=contact, ticket=ticket, reason="Ça recommence.")
    assert kinds_of(owner.user)[-1] == NoticeKind.CLIENT_REOPENED


def test_a_reply_on_a_closed_ticket_notifies_the_former_owner(ticket, owner, contact, committed):
    _resolved(ticket, owner, committed)
    with committed():
        services.ticket_close(ticket=ticket, by=owner.user, synthesis="Pilote réinstallé.")
        reply = actions.comment_add(contact=contact, ticket=ticket, body="Encore cassé !")
    follow_up = reply.ticket
    assert follow_up.follow_up_of == ticket
    notice = Notice.objects.get(recipient=owner.user, kind=NoticeKind.FOLLOW_UP)
    assert notice.ticket == follow_up
    assert notice.params["previous"] == ticket.reference
    assert notice.url == f"/tickets/{follow_up.reference}/"


def test_gti_warnings_reach_the_assignee_and_the_managers(ticket, owner, manager, committed):
    deputy = TechnicianFactory(user__username="deputy")
    deputy.user.groups.add(Group.objects.get_or_create(name=DEPUTY_GROUP)[0])
    with committed():
        record_due_sla_warnings(now=ticket.gti_risk_at + dt.timedelta(seconds=1))
    for person in (owner, manager, deputy):
        notice = Notice.objects.get(recipient=person.user, kind=NoticeKind.SLA_WARNING)
        assert notice.params["threshold"] == 75
    with committed():
        record_due_sla_warnings(now=ticket.gti_deadline + dt.timedelta(seconds=1))
    thresholds = sorted(
        n.params["threshold"] for n in notices_of(owner.user, kind=NoticeKind.SLA_WARNING)
    )
    assert thresholds == [75, 100]


def test_mentioned_in_an_internal_note_only_existing_active_staff(ticket, owner, committed):
    colleague = TechnicianFactory(user__username="marc.l")
    retired = TechnicianFactory(user__username="retired", user__is_active=False)
    with committed():
        services.ticket_add_entry(
            ticket=ticket,
            by=owner.user,
            body="@Marc.L peux-tu regarder ? cc @retired, @nobody, contact@marc.l.",
            public=False,
        )
    assert kinds_of(colleague.user) == [NoticeKind.MENTION]
    assert notices_of(colleague.user)[0].params["actor"] == "Olivier " + owner.user.last_name
    assert kinds_of(retired.user) == []


def test_a_mention_in_a_public_report_is_not_a_mention(ticket, owner, committed):
    colleague = TechnicianFactory(user__username="marc")
    with committed():
        services.ticket_add_entry(ticket=ticket, by=owner.user, body="Vu avec @marc", public=True)
    assert kinds_of(colleague.user) == []


def test_staff_watchers_get_state_changes(ticket, owner, committed):
    watcher = TechnicianFactory(user__username="watcher")
    with committed():
        services.ticket_watcher_add(ticket=ticket, by=owner.user, user=watcher.user)
        services.ticket_take_in_charge(ticket=ticket, by=owner.user)
    notice = notices_of(watcher.user)[-1]
    assert notice.kind == NoticeKind.STATE_CHANGED
    assert notice.params["state"] == State.IN_PROGRESS


def test_a_client_contact_watching_never_gets_notices(ticket, owner, contact, committed):
    with committed():
        services.ticket_watcher_add(ticket=ticket, by=owner.user, contact=contact)
        services.ticket_take_in_charge(ticket=ticket, by=owner.user)
    assert not Notice.objects.filter(recipient=contact.user).exists()


def test_the_paged_technician_gets_a_notice_once_per_page(django_capture_on_commit_callbacks):
    from oncall.services import paging
    from tests.notices.oncall_setup import critical_at_night

    page = critical_at_night(django_capture_on_commit_callbacks)
    alice = page.target.user
    notices = notices_of(alice, kind=NoticeKind.ONCALL_PAGE)
    assert len(notices) == 1
    assert notices[0].ticket == page.ticket
    assert notices[0].url == f"/oncall/pages/{page.pk}/"
    # The re-page 10 minutes later adds nothing for alice.
    with (
        time_machine.travel(page.next_step_at + dt.timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        paging.sweep()
    assert len(notices_of(alice, kind=NoticeKind.ONCALL_PAGE)) == 1


def test_major_incident_declared_updated_resolved_reach_linked_owners(ticket, owner, manager):
    from incidents import services as incidents
    from incidents.models import MessageKind

    # Declared with the ticket linked: the ticket's owner is told; the declarer is not.
    incident = incidents.incident_create(title="Panne FAI", by=manager.user, tickets=[ticket])
    from notices.sources import derive_incident, derive_incident_message

    derive_incident(incident.pk)
    declared = Notice.objects.get(recipient=owner.user, kind=NoticeKind.INCIDENT_DECLARED)
    assert declared.params["ticket"] == ticket.reference
    assert declared.url == f"/incidents/{incident.pk}/"
    assert not Notice.objects.filter(recipient=manager.user).exists()

    at = incident.started_at + dt.timedelta(minutes=5)
    message = incidents.incident_publish_message(
        incident=incident,
        kind=MessageKind.INITIAL,
        subject="Panne FAI",
        body="Nous analysons.",
        by=manager.user,
        next_update_at=at + dt.timedelta(hours=1),
        at=at,
    )
    derive_incident_message(message.pk)
    assert Notice.objects.filter(recipient=owner.user, kind=NoticeKind.INCIDENT_UPDATE).exists()

    resolution = incidents.incident_publish_message(
        incident=incident,
        kind=MessageKind.RESOLUTION,
        subject="Rétabli",
        body="Service rétabli.",
        by=owner.user,
        at=at + dt.timedelta(minutes=30),
    )
    derive_incident_message(resolution.pk)
    # Published by the owner: the incident's declarer (the manager) is told instead.
    assert kinds_of(manager.user) == [NoticeKind.INCIDENT_RESOLVED]
    assert not Notice.objects.filter(
        recipient=owner.user, kind=NoticeKind.INCIDENT_RESOLVED
    ).exists()


def test_incident_notices_are_derived_after_commit_without_a_call(
    ticket, owner, manager, committed
):
    from incidents import services as incidents

    with committed():
        incidents.incident_create(title="Panne FAI", by=manager.user, tickets=[ticket])
    assert Notice.objects.filter(recipient=owner.user, kind=NoticeKind.INCIDENT_DECLARED).exists()


def test_a_ticket_opened_by_a_technician_for_himself_notifies_nobody(owner, committed):
    with committed():
        make_ticket(by=owner.user, assignee=owner)
    assert kinds_of(owner.user) == []


def test_a_client_comment_on_a_ticket_nobody_owns_reaches_the_dispatchers(manager, committed):
    deputy = TechnicianFactory(user__username="deputy")
    deputy.user.groups.add(Group.objects.get_or_create(name=DEPUTY_GROUP)[0])
    with committed():
        unassigned = make_ticket(by=manager.user)
    user = UserFactory(username="client-user", is_staff=False)
    contact = ContactFactory(client=unassigned.client, user=user, email=user.email)
    with committed():
        actions.comment_add(contact=contact, ticket=unassigned, body="Des nouvelles ?")
    assert kinds_of(manager.user) == [NoticeKind.CLIENT_COMMENT]
    assert kinds_of(deputy.user) == [NoticeKind.CLIENT_COMMENT]


def test_a_reply_after_closure_of_a_ticket_nobody_owned_reaches_the_dispatchers(manager, committed):
    with committed():
        old = make_ticket(by=manager.user)
        services.ticket_take_in_charge(ticket=old, by=manager.user)
        services.ticket_resolve(ticket=old, by=manager.user, note="Fait.")
        services.ticket_close(ticket=old, by=manager.user, synthesis="Fait.")
        old.refresh_from_db()
        Ticket.objects.filter(pk=old.pk).update(assignee=None)  # its owner left the desk
        old.refresh_from_db()
        services.ticket_client_reply(
            ticket=old, by=None, body="Ça recommence.", via=Channel.EMAIL, kind="email_in"
        )
    assert NoticeKind.FOLLOW_UP in kinds_of(manager.user)
