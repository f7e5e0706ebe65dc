"""A contact's own sessions, included by the extranet's URLconf under ``sessions/`` (names in
the extranet namespace, so the extranet's tenant-isolation walk covers them)."""

from django.urls import path

from . import client_views

urlpatterns = [
    path("", client_views.my_sessions, name="sessions"),
    path("<int:session_id>/fermer/", client_views.session_revoke, name="session_revoke"),
    path(
        "fermer-les-autres/",
        client_views.sessions_revoke_others,
        name="sessions_revoke_others",
    ),
    path("mot-de-passe/", client_views.password_change, name="password_change"),
]
