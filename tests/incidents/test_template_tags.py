"""The one-line integrations: extranet banner tag and dispatch panel tag."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from incidents import services
from incidents.models import MajorIncident
from incidents.selectors import major_incident_of, open_incidents

from .helpers import publish

pytestmark = pytest.mark.django_db


def render(source, **context):
    return Template("{% load incident_tags %}" + source).render(Context(context))


def test_the_banner_tag_renders_the_clients_banners_only(incident, tenants, technician):
    publish(incident, technician.user, body="La messagerie est coupée.")
    html = render("{% incident_banner client %}", client=tenants["affected"])
    assert f'data-incident="{incident.reference}"' in html
    assert "La messagerie est coupée." in html
    assert render("{% incident_banner client %}", client=tenants["other"]).strip() == ""
    assert render("{% incident_banner client %}", client=None).strip() == ""


def test_the_dispatch_panel_puts_overdue_incidents_first_in_red(
    incident, tenants, technician, django_assert_num_queries
):
    late = services.incident_create(
        title="Coupure fibre", by=technician.user, clients=[tenants["other"]]
    )
    MajorIncident.objects.filter(pk=late.pk).update(
        next_update_at=timezone.now() - dt.timedelta(minutes=10)
    )
    publish(incident, technician.user, minutes=60)
    with django_assert_num_queries(1):
        rows = open_incidents()
    assert [(i, i.overdue) for i in rows] == [(late, True), (incident, False)]

    html = render("{% open_incidents_panel %}")
    assert html.index(late.reference) < html.index(incident.reference)
    assert f'data-incident="{late.reference}" class="overdue"' in html
    assert f'data-incident="{incident.reference}" class="overdue"' not in html

    publish(incident, technician.user, kind="resolution")
    assert incident.reference not in render("{% open_incidents_panel %}")


def test_a_ticket_knows_its_major_incident(incident, tenants):
    from tests.factories import make_ticket

    assert major_incident_of(incident.ticket_links.get().ticket) == incident
    assert major_incident_of(make_ticket(client=tenants["other"])) is None
