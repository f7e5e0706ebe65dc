"""Client pages of major incidents, mounted in the extranet's URL space (``/extranet/incidents/``)
by ``extranet.urls``: no ``app_name``, so they are named in the ``extranet`` namespace and the
extranet's tenant-isolation walker covers them."""

from django.urls import path

from . import views_client

urlpatterns = [
    path("", views_client.client_home, name="incidents"),
    path("<int:pk>/rapport/", views_client.client_report, name="incident_report"),
    path("<int:pk>/rapport.pdf", views_client.client_report_pdf, name="incident_report_pdf"),
]
