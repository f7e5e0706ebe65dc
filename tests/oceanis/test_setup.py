import pytest
from django.conf import settings
from django.urls import reverse


def test_time_zone_and_languages_are_french_first():
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "fr"
    assert [code for code, _ in settings.LANGUAGES] == ["fr", "en"]


@pytest.mark.django_db
def test_health_endpoint_reports_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_client_contacts_never_reach_the_back_office(client, django_user_model):
    user = django_user_model.objects.create_user("contact", password="x-secret-123")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == "/extranet/"
    assert client.get(reverse("admin:index")).status_code == 302  # admin login, not the admin


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Connexion" in response.content.decode()
