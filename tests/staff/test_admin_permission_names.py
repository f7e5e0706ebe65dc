"""Permission names and model names in the admin follow the reader's language, though Django
stored Permission.name once, in French ("Can add hôte supervisé")."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from staff.admin import permission_label, permission_name

pytestmark = pytest.mark.django_db


def _host_permission(action: str) -> Permission:
    return Permission.objects.select_related("content_type").get(
        content_type__app_label="alerts", codename=f"{action}_monitoredhost"
    )


def test_the_stored_name_is_frozen_in_french_but_the_label_is_translated():
    add = _host_permission("add")
    assert add.name == "Can add hôte supervisé"  # what migrate wrote
    with translation.override("fr"):
        assert permission_name(add) == "Peut ajouter hôte supervisé"
        assert permission_label(add).endswith("| hôte supervisé | Peut ajouter hôte supervisé")
    with translation.override("en"):
        assert permission_name(add) == gettext("Peut ajouter %(model)s") % {
            "model": "monitored host"
        }
        assert permission_name(add) == "Can add monitored host"  # needs catalogue
        view = permission_name(_host_permission("view"))
        assert view == "Can view monitored host"  # needs catalogue


def test_the_group_form_lists_permissions_in_the_readers_language(admin_client):
    url = reverse("admin:auth_group_add")
    french = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Peut modifier hôte supervisé" in french
    assert "Can add hôte supervisé" not in french
    english = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("en"):
        expected = gettext("Peut modifier %(model)s") % {"model": gettext("hôte supervisé")}
    assert expected in english
    assert "Can change monitored host" in english  # needs catalogue


def test_the_user_form_lists_permissions_in_the_readers_language(admin_client, admin_user):
    url = reverse("admin:auth_user_change", args=[admin_user.pk])
    french = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Peut supprimer hôte supervisé" in french
    assert "Can delete hôte supervisé" not in french


def test_the_french_admin_index_names_the_reference_counters_in_french(admin_client):
    french = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Compteurs de références" in french
    assert "Reference counters" not in french
