from django.urls import path

from . import views

app_name = "logins"

urlpatterns = [
    path("", views.my_sessions, name="sessions"),
    path("<int:session_id>/fermer/", views.session_revoke, name="revoke"),
    path("fermer-les-autres/", views.sessions_revoke_others, name="revoke_others"),
    path("mot-de-passe/", views.password_change, name="password_change"),
]
