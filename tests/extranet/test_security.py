"""Tenant isolation of the whole extranet, walked from its URLconf.

Every URL pattern of ``extranet.urls`` (the client pages of ``incidents`` and ``projects`` are
included there), is visited with client B's object ids while logged in as client A's
contact: it must answer 404 (or 403), and B's own contact must get a normal answer on the same URL
(so the test cannot pass vacuously). A new URL is covered automatically; a new kind of URL
parameter makes the test fail until it is given a value below.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from extranet import urls as extranet_urls
from incidents import services as incident_services
from projects import services as project_services
from projects.models import Kind as ProjectKind
from tests.incidents.helpers import publish
from tickets.models import TicketEvent

# The client pages of the other apps, included in the extranet's URLconf: their ``pk`` names a
# major incident or a project of the client.
INCIDENT_PAGES = {"extranet:incident_report", "extranet:incident_report_pdf"}
PROJECT_PAGES = {"extranet:project"}
# Steering committees (portfolios.client_urls): ``pk`` names a committee of the client.
COMMITTEE_PAGES = {"extranet:committee"}

# Public pages (login, password reset) and the token-authenticated feed.
PUBLIC = {
    "extranet:login",
    "extranet:logout",
    "extranet:password_reset",
    "extranet:password_reset_done",
    "extranet:password_reset_confirm",
    "extranet:password_reset_complete",
}
TOKEN = {"extranet:planning_feed"}
STAFF_ONLY = {"extranet:document_upload"}
# POST-only actions that change something.
ACTIONS = {
    "extranet:request_comment",
    "extranet:request_confirm",
    "extranet:request_reopen",
    "extranet:planning_feed_regenerate",
    "extranet:planning_feed_revoke",
    "extranet:session_revoke",
    "extranet:sessions_revoke_others",
    "extranet:security_remove",
    "extranet:security_recovery_regenerate",
    "extranet:security_organisation",
}


def _patterns(patterns, namespace):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}:{entry.name}", entry.pattern


def all_patterns():
    """(namespaced name, pattern) of every client URL: the extranet's, includes flattened."""
    yield from _patterns(extranet_urls.urlpatterns, "extranet")


def kwargs_for(pattern, org, url_name="") -> dict:
    """URL kwargs pointing at ``org``'s objects; unknown parameters fail loudly."""
    values = {
        "ticket_id": org.ticket.pk,
        "attachment_id": org.attachment.pk,
        "document_id": org.document.pk,
        "token": org.feed_token,
        "year": timezone.localdate().year,
        "month": timezone.localdate().month,
    }
    if "article_id" in pattern.converters:
        values["article_id"] = org_article(org).pk
    if url_name in INCIDENT_PAGES:
        values["pk"] = org_client_pages(org).incident.pk
    elif url_name in PROJECT_PAGES:
        values["pk"] = org_client_pages(org).project.pk
    elif url_name in COMMITTEE_PAGES:
        values["pk"] = org_committee(org).committee.pk
    if "session_id" in pattern.converters:
        values["session_id"] = org_session(org).pk
    kwargs = {}
    for name in pattern.converters:
        assert name in values, f"client URL parameter {name!r} has no value in the security suite"
        kwargs[name] = values[name]
    return kwargs


def org_client_pages(org):
    """A published post-incident report and a project for ``org``'s client, made once."""
    if getattr(org, "incident", None) is None:
        staff = org.ticket.assignee.user
        code = org.client.code
        incident = incident_services.incident_create(
            title=f"Panne messagerie {code}", by=staff, clients=[org.client]
        )
        publish(incident, staff)
        publish(incident, staff, kind="resolution")
        incident_services.pir_save(
            incident=incident, by=staff, impact=f"Messagerie {code}", root_cause="Disque"
        )
        incident_services.pir_publish(incident=incident, by=staff)
        org.incident = incident
        org.project = project_services.project_create(
            client=org.client,
            name=f"Projet secret {code}",
            kind=ProjectKind.VPN,
            by=staff,
            project_manager=staff,
        )
    return org


def org_session(org):
    """A session of ``org``'s contact opened in another browser, made once."""
    if getattr(org, "session", None) is None:
        from logins.models import LoginSession

        Client().force_login(org.contact.user)
        org.session = LoginSession.objects.filter(user=org.contact.user).latest("pk")
    return org.session


def org_committee(org):
    """A steering committee of ``org``'s client with one action, made once."""
    if getattr(org, "committee", None) is None:
        from portfolios.services import ActionDraft, committee_create

        org.committee = committee_create(
            client=org.client,
            held_on=timezone.localdate(),
            by=None,
            decisions=f"Décision confidentielle {org.client.code}",
            actions=[ActionDraft(description=f"Action confidentielle {org.client.code}")],
        )
    return org


def org_article(org):
    """A help-centre article published to ``org``'s client only, made once."""
    if getattr(org, "article", None) is None:
        from knowledge import services as knowledge_services
        from knowledge.models import Visibility

        org.article = knowledge_services.article_create(
            by=org.ticket.assignee.user,
            title=f"Aide réservée {org.client.code}",
            body="Redémarrer le routeur.",
            visibility=Visibility.CHOSEN_CLIENTS,
            clients=[org.client],
        )
    return org.article


def url_names():
    return sorted({name for name, _ in all_patterns()})


def url_of(name, org):
    return reverse(name, kwargs=kwargs_for(pattern_of(name), org, name))


def pattern_of(name):
    return next(p for n, p in all_patterns() if n == name)


def test_every_extranet_url_is_classified_or_contact_only():
    # Guard: every URL is named (the suite addresses them by name).
    assert all(name for name, _ in all_patterns())
    assert len(url_names()) >= 20
    # The other apps' client pages are walked too.
    assert INCIDENT_PAGES | PROJECT_PAGES | {"extranet:incidents", "extranet:projects"} <= set(
        url_names()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_pages_answer_anonymous_visitors(client, name):
    reset = name == "extranet:password_reset_confirm"
    kwargs = {"uidb64": "MQ", "token": "set-password"} if reset else {}
    response = client.get(reverse(name, kwargs=kwargs), follow=True)
    assert response.status_code == 200 if name != "extranet:logout" else 405


@pytest.mark.django_db
@pytest.mark.parametrize("name", [n for n in url_names() if n not in PUBLIC | TOKEN])
def test_anonymous_users_are_sent_to_the_extranet_login(client, org_b, name):
    url = url_of(name, org_b)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if method == "post" and response.status_code == 405:
            assert client.get(url).status_code == 302, name  # a read-only page: GET proves it
            continue
        assert response.status_code == 302, (name, method)
        assert response["Location"].startswith(reverse("extranet:login")), name


@pytest.mark.django_db
@pytest.mark.parametrize("name", [n for n in url_names() if n not in PUBLIC])
def test_a_contact_never_reaches_another_clients_objects(client, org_a, org_b, name):
    if name in {"extranet:incidents", "extranet:projects"}:
        org_client_pages(org_b)  # so that lists have something of client B to leak
    if name == "extranet:committees":
        org_committee(org_b)
    pattern = pattern_of(name)
    kwargs = kwargs_for(pattern, org_b, name)
    url = reverse(name, kwargs=kwargs)
    events_before = TicketEvent.objects.filter(ticket__client=org_b.client).count()

    client.force_login(org_a.contact.user)
    if name in TOKEN:
        # The token is the credential: a revoked or unknown token is a 404 for anyone.
        from extranet.models import CalendarFeed

        CalendarFeed.issue(org_b.contact)  # revokes the token in the URL
        assert client.get(url).status_code == 404
        assert Client().get(url).status_code == 404
        return
    if name in STAFF_ONLY:
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
        return
    has_object = any(k.endswith("_id") or k == "pk" for k in kwargs)
    get = client.get(url)
    post = client.post(url, {"body": "intrus", "reason": "intrus"})
    if has_object:
        assert get.status_code in (404, 405), (name, get.status_code)
        assert post.status_code in (404, 405), (name, post.status_code)
        assert 404 in (get.status_code, post.status_code), name
    else:
        # Lists and pages without ids: reachable, but nothing of client B in them.
        for response in (get, post):
            if response.status_code == 200 and response.get("Content-Type", "").startswith("text/"):
                body = response.content.decode()
                secrets = [org_b.ticket.title, org_b.ticket.reference, org_b.document.title]
                if getattr(org_b, "incident", None) is not None:
                    secrets += [org_b.incident.title, org_b.project.name]
                if getattr(org_b, "committee", None) is not None:
                    secrets += [reverse("extranet:committee", args=[org_b.committee.pk])]
                for secret in secrets:
                    assert secret not in body, (name, secret)
    assert TicketEvent.objects.filter(ticket__client=org_b.client).count() == events_before

    # The same URL works for client B's own contact: the 404 above is about scoping.
    owner = Client()
    owner.force_login(org_b.contact.user)
    method = owner.post if name in ACTIONS else owner.get
    response = method(url, {"body": "Un commentaire", "reason": "Toujours en panne"})
    assert response.status_code in (200, 302), (name, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(STAFF_ONLY))
def test_staff_only_urls_are_refused_to_contacts_and_open_to_staff(client, org_a, tech, name):
    url = reverse(name)
    client.force_login(org_a.contact.user)
    assert client.get(url).status_code == 403
    client.force_login(tech.user)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_other_clients_ticket_answers_404_on_every_ticket_url(client, org_a, org_b):
    client.force_login(org_a.contact.user)
    for ticket in (org_b.ticket, org_b.resolved, org_b.closed):
        for name in ("request", "request_comment", "request_confirm", "request_reopen"):
            url = reverse(f"extranet:{name}", args=[ticket.pk])
            assert client.post(url, {"body": "x", "reason": "x"}).status_code in (404, 405)
            assert client.get(url).status_code in (404, 405)
    org_b.resolved.refresh_from_db()
    assert org_b.resolved.state == "resolved"


@pytest.mark.django_db
def test_a_site_restricted_contact_sees_only_their_site_and_their_own_requests(client, org_a):
    from tests.extranet.conftest import make_contact
    from tests.factories import make_ticket

    restricted = make_contact(
        org_a.client, site=org_a.other_site, username="agence", visibility="site"
    )
    at_agency = make_ticket(client=org_a.client, site=org_a.other_site, title="Wifi agence")
    own_elsewhere = make_ticket(
        client=org_a.client, site=org_a.site, contact=restricted, title="Mon badge"
    )
    client.force_login(restricted.user)
    home = client.get(reverse("extranet:home")).content.decode()
    assert "Wifi agence" in home and "Mon badge" in home
    assert org_a.ticket.title not in home
    assert client.get(reverse("extranet:request", args=[org_a.ticket.pk])).status_code == 404
    assert client.get(reverse("extranet:request", args=[at_agency.pk])).status_code == 200
    assert client.get(reverse("extranet:request", args=[own_elsewhere.pk])).status_code == 200
    url = reverse("extranet:attachment_download", args=[org_a.attachment.pk])
    assert client.get(url).status_code == 404
    # A client admin with the same site restriction still sees everything.
    restricted.is_client_admin = True
    restricted.save()
    assert client.get(reverse("extranet:request", args=[org_a.ticket.pk])).status_code == 200


@pytest.mark.django_db
def test_internal_notes_and_private_attachments_never_reach_the_client(contact_client, org_a):
    page = contact_client.get(reverse("extranet:request", args=[org_a.ticket.pk]))
    body = page.content.decode()
    assert "Compte-rendu public a" in body
    assert "NOTE INTERNE SECRETE" not in body
    assert org_a.private_attachment.original_name not in body
    url = reverse("extranet:attachment_download", args=[org_a.private_attachment.pk])
    assert contact_client.get(url).status_code == 404
    csv = contact_client.get(reverse("extranet:history_csv")).content.decode("utf-8-sig")
    assert "NOTE INTERNE" not in csv


@pytest.mark.django_db
def test_forms_refuse_a_post_without_csrf_token(org_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org_a.contact.user)
    for name, args in [
        ("request_comment", [org_a.ticket.pk]),
        ("request_confirm", [org_a.resolved.pk]),
        ("request_reopen", [org_a.resolved.pk]),
        ("request_new", []),
        ("planning_feed_regenerate", []),
        ("planning_feed_revoke", []),
    ]:
        response = browser.post(reverse(f"extranet:{name}", args=args), {"body": "x"})
        assert response.status_code == 403, name
    anonymous = Client(enforce_csrf_checks=True)
    login = anonymous.post(reverse("extranet:login"), {"username": "x", "password": "y"})
    assert login.status_code == 403
    reset = anonymous.post(reverse("extranet:password_reset"), {"email": "x@example.test"})
    assert reset.status_code == 403


@pytest.mark.django_db
def test_staff_are_sent_to_the_back_office(client, tech):
    client.force_login(tech.user)
    response = client.get(reverse("extranet:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_an_account_without_an_active_contact_is_refused(client, org_a):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("extranet:home")).status_code == 403
    org_a.contact.is_active = False
    org_a.contact.save()
    client.force_login(org_a.contact.user)
    assert client.get(reverse("extranet:home")).status_code == 403


@pytest.mark.django_db
def test_attachment_visibility_follows_its_flag_and_its_entry(contact_client, org_a, tech):
    from tickets.attachments import attachment_add

    loose = attachment_add(ticket=org_a.ticket, name="loose.pdf", content=b"x", by=tech.user)
    on_note = attachment_add(
        ticket=org_a.ticket, name="on-note.pdf", content=b"x", by=tech.user, event=org_a.note
    )
    download = lambda a: reverse("extranet:attachment_download", args=[a.pk])  # noqa: E731
    assert contact_client.get(download(loose)).status_code == 200
    # Flagged public by mistake but attached to an internal note: still hidden.
    assert on_note.public and contact_client.get(download(on_note)).status_code == 404
    page = contact_client.get(reverse("extranet:request", args=[org_a.ticket.pk])).content
    assert b"loose.pdf" in page and b"on-note.pdf" not in page
