from django.urls import path

from . import views

app_name = "shifts"

urlpatterns = [
    path("", views.planning, name="planning"),
    path("affecter/", views.assign, name="assign"),
    path("affectations/<int:pk>/supprimer/", views.unassign, name="unassign"),
    path("releve/", views.handover, name="handover"),
]
