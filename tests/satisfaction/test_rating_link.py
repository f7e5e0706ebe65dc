"""The closure mail's one-click rating: a signed link (no login), one answer per ticket that can
be changed for 14 days, a clear page when expired (410) or tampered with (400), never a 500."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from satisfaction.models import Rating
from satisfaction.tokens import make_token
from tests.factories import make_ticket
from tickets import services

pytestmark = pytest.mark.django_db


def close(ticket, by):
    services.ticket_take_in_charge(ticket=ticket, by=by)
    services.ticket_resolve(ticket=ticket, by=by, note="Pilote réinstallé")
    return services.ticket_close(ticket=ticket, by=by, synthesis="Impression rétablie")


@pytest.fixture
def closed(acme, marie, tech):
    return close(make_ticket(client=acme, contact=marie, title="Imprimante"), tech.user)


def _link(mail) -> str:
    match = re.search(
        r"https://desk\.example\.test(/extranet/satisfaction/avis/[^/\s]+/)", mail.body
    )
    assert match, mail.body
    return match.group(1)


def test_the_closure_mail_carries_a_signed_link_that_records_one_changeable_answer(
    acme, marie, tech, client, mailoutbox, committed
):
    ticket = make_ticket(client=acme, contact=marie, title="Imprimante")
    with committed():
        close(ticket, tech.user)
    mail = next(m for m in mailoutbox if "clôturée" in m.subject and m.to == [marie.email])
    path = _link(mail)
    html = mail.alternatives[0].content
    assert f"{path}?note=5" in html and f"{path}?note=1" in html  # one click per score
    page = client.get(path + "?note=4")  # no login; a GET records nothing (mail scanners)
    assert page.status_code == 200 and not Rating.objects.exists()
    assert 'value="4" checked' in page.content.decode().replace("\n", " ") or (
        page.context["form"].initial["score"] == 4
    )
    response = client.post(path, {"score": "4", "comment": "Rapide, merci"})
    assert response.status_code == 200 and "Merci pour votre avis" in response.content.decode()
    rating = Rating.objects.get()
    assert (rating.ticket, rating.score, rating.channel, rating.technician) == (
        ticket,
        4,
        "mail",
        tech,
    )
    client.post(path, {"score": "5", "comment": ""})  # changed, still one answer
    rating.refresh_from_db()
    assert (Rating.objects.count(), rating.score, rating.changes) == (1, 5, 1)


def test_an_expired_link_answers_a_clear_410(closed, client):
    path = f"/extranet/satisfaction/avis/{make_token(closed.pk)}/"
    with time_machine.travel(timezone.now() + timedelta(days=14, hours=1), tick=False):
        response = client.get(path)
        assert response.status_code == 410
        assert "Ce lien a expiré" in response.content.decode()
        assert client.post(path, {"score": "3"}).status_code == 410
    assert not Rating.objects.exists()


def test_an_answer_cannot_be_changed_after_14_days_even_with_a_fresh_link(closed, client):
    with time_machine.travel(closed.closed_at + timedelta(days=15), tick=False):
        response = client.post(
            f"/extranet/satisfaction/avis/{make_token(closed.pk)}/", {"score": "1"}
        )
    assert response.status_code == 410
    assert "14 jours" in response.content.decode()
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["garbage", "eyJ0IjoxfQ:1vxyz:abcdef", "..", "%00", "a" * 300],
)
def test_a_tampered_link_answers_a_clear_400(closed, client, token):
    response = client.get(f"/extranet/satisfaction/avis/{token}/")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "Lien invalide" in response.content.decode()


def test_a_link_signed_for_one_ticket_cannot_be_bent_to_another(closed, client):
    token = make_token(closed.pk)
    head, stamp, signature = token.rsplit(":", 2)
    forged = f"{make_token(closed.pk + 1).rsplit(':', 2)[0]}:{stamp}:{signature}"
    response = client.post(f"/extranet/satisfaction/avis/{forged}/", {"score": "1"})
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_bad_scores_are_a_form_error_not_a_500(closed, client):
    path = f"/extranet/satisfaction/avis/{make_token(closed.pk)}/"
    for score in ("0", "6", "abc", ""):
        response = client.post(path, {"score": score})
        assert response.status_code == 400
    assert not Rating.objects.exists()


def test_an_open_ticket_cannot_be_rated(acme, marie, client):
    ticket = make_ticket(client=acme, contact=marie)
    response = client.get(f"/extranet/satisfaction/avis/{make_token(ticket.pk)}/")
    assert response.status_code == 410
    assert "pas clôturée" in response.content.decode()
