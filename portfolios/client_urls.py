"""Client pages of steering committees, included by ``extranet.urls`` under ``/extranet/comites/``
(no ``app_name``: named in the ``extranet`` namespace, covered by its tenant-isolation walker)."""

from django.urls import path

from . import client_views

urlpatterns = [
    path("", client_views.client_committees, name="committees"),
    path("<int:pk>/", client_views.client_committee, name="committee"),
]
