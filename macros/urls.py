"""Canned answers (staff), mounted at /macros/."""

from django.urls import path

from . import views

app_name = "macros"

urlpatterns = [
    path("", views.macro_list, name="list"),
    path("new/", views.macro_new, name="new"),
    path("<int:pk>/", views.macro_edit, name="edit"),
    path("<int:pk>/delete/", views.macro_delete, name="delete"),
    path("tickets/<str:reference>/picker/", views.picker, name="picker"),
    path("tickets/<str:reference>/insert/", views.insert, name="insert"),
]
