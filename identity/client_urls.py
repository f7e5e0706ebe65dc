"""Client pages of the identity app, included by the extranet's URLconf at /extranet/securite/
(names in the ``extranet`` namespace, walked by the tenant-isolation suite)."""

from django.urls import path

from . import client_views

urlpatterns = [
    path("", client_views.security, name="security"),
    path("verification/", client_views.verify, name="security_verify"),
    path("application/", client_views.totp_add, name="security_totp"),
    path("codes-de-secours/", client_views.recovery_codes, name="security_codes"),
    path(
        "codes-de-secours/nouveaux/",
        client_views.recovery_regenerate,
        name="security_recovery_regenerate",
    ),
    path("supprimer/", client_views.factor_remove, name="security_remove"),
    path("organisation/", client_views.organisation_rule, name="security_organisation"),
]
