"""Projects URLs, mounted at /projects/: staff pages. The client pages are in the extranet
(``projects.client_urls``, /extranet/projets/); their old /projects/client/ URLs redirect."""

from django.urls import path

from oceanis.redirects import moved

from . import ticket_views, views

app_name = "projects"


urlpatterns = [
    path("", views.project_list, name="list"),
    path("nouveau/", views.project_create, name="create"),
    path("capacite/", views.capacity_view, name="capacity"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/modifier/", views.project_edit, name="edit"),
    path("<int:pk>/etat/", views.project_transition, name="transition"),
    path("<int:pk>/jalons/", views.milestone_add, name="milestone_add"),
    path("<int:pk>/livrables/", views.deliverable_add, name="deliverable_add"),
    path("<int:pk>/taches/", views.task_add, name="task_add"),
    path("jalons/<int:pk>/atteint/", views.milestone_complete, name="milestone_complete"),
    path("livrables/<int:pk>/", views.deliverable_update, name="deliverable_update"),
    path("taches/<int:pk>/", views.task_update, name="task_update"),
    path("reservations/<int:pk>/supprimer/", views.booking_delete, name="booking_delete"),
    path("demandes/<int:pk>/", ticket_views.ticket_build, name="ticket"),
    path("demandes/<int:pk>/rattacher/", ticket_views.ticket_link, name="ticket_link"),
    path("demandes/<int:pk>/escalade-n3/", ticket_views.ticket_escalate, name="ticket_escalate"),
    path("client/", moved("extranet:projects"), name="client_list_moved"),
    path("client/<int:pk>/", moved("extranet:project"), name="client_detail_moved"),
]
