from django.urls import path

from oceanis.redirects import moved

from . import views

app_name = "incidents"


urlpatterns = [
    path("", views.incident_list, name="list"),
    path("nouveau/", views.incident_create, name="create"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/modifier/", views.incident_edit, name="edit"),
    path("<int:pk>/demandes/", views.incident_link, name="link"),
    path("<int:pk>/demandes/<int:ticket_pk>/detacher/", views.incident_unlink, name="unlink"),
    path(
        "<int:pk>/evenements/<int:event_pk>/detacher/",
        views.incident_unlink_event,
        name="unlink_event",
    ),
    path("<int:pk>/clients/", views.incident_client_add, name="client_add"),
    path(
        "<int:pk>/clients/<int:client_pk>/retirer/",
        views.incident_client_remove,
        name="client_remove",
    ),
    path("<int:pk>/prochaine-communication/", views.incident_next_update, name="next_update"),
    path("<int:pk>/communiquer/", views.incident_publish, name="publish"),
    path("<int:pk>/rapport/", views.pir_edit, name="pir"),
    path("<int:pk>/rapport/publication/", views.pir_publish, name="pir_publish"),
    path("<int:pk>/rapport.pdf", views.pir_download, name="pir_pdf"),
    # The client pages moved to the extranet (/extranet/incidents/): old links redirect there.
    path("client/", moved("extranet:incidents"), name="client_home_moved"),
    path("client/<int:pk>/rapport/", moved("extranet:incident_report"), name="client_report_moved"),
    path(
        "client/<int:pk>/rapport.pdf",
        moved("extranet:incident_report_pdf"),
        name="client_report_pdf_moved",
    ),
]
