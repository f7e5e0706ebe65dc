from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("equipe/", views.team, name="team"),
    path("export/<slug:key>.<str:fmt>", views.export, name="export"),
    path("facturation/", views.billing, name="billing"),
    path("facturation/derogation/", views.billing_override, name="billing_override"),
    path("mensuels/", views.monthly, name="monthly"),
    path("mensuels/<int:pk>/telecharger/", views.monthly_download, name="monthly_download"),
]
