"""The help centre, included by the extranet's URLconf under ``aide/`` (names in the extranet
namespace, so the extranet's tenant-isolation walk covers them)."""

from django.urls import path

from . import client_views

urlpatterns = [
    path("", client_views.help_centre, name="help"),
    path("suggestions/", client_views.help_suggestions, name="help_suggestions"),
    path("<int:article_id>/", client_views.help_article, name="help_article"),
]
