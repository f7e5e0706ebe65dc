from django.urls import path

from . import views

app_name = "portfolios"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("affectations/", views.assignments, name="assignments"),
    path("affectations/<int:client_pk>/", views.assign, name="assign"),
    path("clients/<int:client_pk>/comites/", views.client_committees, name="client_committees"),
    path("clients/<int:client_pk>/comites/nouveau/", views.committee_new, name="committee_new"),
    path("comites/<int:pk>/", views.committee, name="committee"),
    path("comites/<int:pk>/modifier/", views.committee_edit, name="committee_edit"),
    path("comites/<int:pk>/actions/", views.action_add, name="action_add"),
    path("actions/<int:pk>/realisee/", views.action_done, name="action_done"),
]
