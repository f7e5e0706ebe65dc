"""Links, merge and split of tickets (staff), mounted at /relations/."""

from django.urls import path

from . import views

app_name = "relations"

urlpatterns = [
    path("<str:reference>/", views.relations_panel, name="panel"),
    path("<str:reference>/links/", views.link_add, name="link_add"),
    path("links/<int:pk>/remove/", views.link_remove, name="link_remove"),
    path("<str:reference>/merge/", views.merge, name="merge"),
    path("<str:reference>/split/", views.split, name="split"),
]
