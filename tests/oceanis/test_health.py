"""The public health probe says whether the database answers, never how it failed."""

import logging

import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_answers_ok_with_the_database_vendor(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor}


@pytest.mark.django_db
def test_an_unavailable_database_is_a_503_without_internals_and_is_logged(
    client, monkeypatch, caplog
):
    secret = 'connection to server at "db.internal" (10.1.2.3), port 5432 failed: user "oceanis"'

    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError(secret)

    monkeypatch.setattr(connection, "cursor", refuse)
    with caplog.at_level(logging.ERROR, logger="oceanis.health"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert "10.1.2.3" not in response.content.decode()
    assert secret in caplog.text  # the operator still reads the cause in the log
