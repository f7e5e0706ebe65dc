"""Client pages of projects, mounted in the extranet's URL space (``/extranet/projets/``) by
``extranet.urls``: no ``app_name``, so they are named in the ``extranet`` namespace and the
extranet's tenant-isolation walker covers them."""

from django.urls import path

from . import client_views

urlpatterns = [
    path("", client_views.project_list, name="projects"),
    path("<int:pk>/", client_views.project_detail, name="project"),
]
