"""Staff second-factor pages (mounted at /securite/)."""

from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("verification/", views.verify, name="verify"),
    path("application/", views.totp_add, name="totp_add"),
    path("codes-de-secours/", views.recovery_codes, name="recovery_codes"),
    path("codes-de-secours/nouveaux/", views.recovery_regenerate, name="recovery_regenerate"),
    path("facteurs/", views.factors, name="factors"),
    path("facteurs/supprimer/", views.factor_remove, name="factor_remove"),
    path("equipe/", views.team, name="team"),
    path("equipe/<int:pk>/reinitialiser/", views.reset, name="reset"),
]
