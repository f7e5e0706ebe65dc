"""Every page has an icon: /favicon.ico (asked by browsers on every page) leads to it, and the
layouts link it."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse


def test_favicon_ico_redirects_to_an_icon_that_exists(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("oceanis/favicon.svg")
    assert finders.find("oceanis/favicon.svg")


@pytest.mark.django_db
def test_the_login_and_extranet_pages_link_the_icon(client):
    for url in (reverse("login"), reverse("extranet:login")):
        assert 'rel="icon"' in client.get(url).content.decode(), url
