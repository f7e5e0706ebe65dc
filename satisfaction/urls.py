"""Rating pages, mounted at /extranet/satisfaction/ (client-facing, in the extranet URL space):
the mail's signed link (no login) and the extranet's form (client contacts, their own
organisation's requests)."""

from django.urls import path

from . import views

app_name = "satisfaction"

urlpatterns = [
    path("avis/<str:token>/", views.rate, name="rate"),
    path("demandes/<int:ticket_id>/", views.extranet_rate, name="extranet_rate"),
]
