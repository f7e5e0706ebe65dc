"""Extranet URLs (mounted at /extranet/): every client-facing page, including those of the
incidents and projects apps (their ``client_urls``). The security suite walks this list: every new
URL is checked automatically against cross-client access."""

from django.urls import include, path

from .views import auth, files, history, home, planning, requests, service

app_name = "extranet"

urlpatterns = [
    path("connexion/", auth.LoginView.as_view(), name="login"),
    path("deconnexion/", auth.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oublie/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oublie/envoye/",
        auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/termine/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", home.home, name="home"),
    path("demandes/nouvelle/", requests.request_new, name="request_new"),
    path("demandes/<int:ticket_id>/", requests.request_detail, name="request"),
    path("demandes/<int:ticket_id>/commentaire/", requests.request_comment, name="request_comment"),
    path("demandes/<int:ticket_id>/confirmer/", requests.request_confirm, name="request_confirm"),
    path("demandes/<int:ticket_id>/rouvrir/", requests.request_reopen, name="request_reopen"),
    path(
        "pieces-jointes/<int:attachment_id>/",
        files.attachment_download,
        name="attachment_download",
    ),
    path("historique/", history.history, name="history"),
    path("historique/export.csv", history.history_csv, name="history_csv"),
    path("planning/", planning.planning_list, name="planning"),
    path("planning/<int:year>/<int:month>/", planning.planning_month, name="planning_month"),
    path("planning/flux/nouveau/", planning.feed_regenerate, name="planning_feed_regenerate"),
    path("planning/flux/revoquer/", planning.feed_revoke, name="planning_feed_revoke"),
    path("planning/ical/<str:token>.ics", planning.planning_feed, name="planning_feed"),
    path("documents/", files.document_list, name="documents"),
    path("documents/<int:document_id>/", files.document_download, name="document_download"),
    path("documents/depot/", files.document_upload, name="document_upload"),
    path("niveau-de-service/", service.service_level, name="service_level"),
    path("incidents/", include("incidents.client_urls")),
    path("projets/", include("projects.client_urls")),
    path("aide/", include("knowledge.client_urls")),
    path("sessions/", include("logins.client_urls")),
    path("securite/", include("identity.client_urls")),
    path("comites/", include("portfolios.client_urls")),
]
