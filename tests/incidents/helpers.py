"""Helpers shared by the incident tests."""

import datetime as dt

from django.utils import timezone

from incidents import services
from tests.factories import ContactFactory, UserFactory


def contact_with_login(client_org, username):
    user = UserFactory(username=username)
    return ContactFactory(client=client_org, user=user, email=f"{username}@{client_org.code}.test")


def publish(
    incident, user, kind="initial", minutes=30, body="Incident en cours sur la messagerie."
):
    return services.incident_publish_message(
        incident=incident,
        kind=kind,
        subject=f"[Oceanis] {kind}",
        body=body,
        by=user,
        next_update_at=None
        if kind == "resolution"
        else timezone.now() + dt.timedelta(minutes=minutes),
    )
