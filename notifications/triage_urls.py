from django.urls import path

from . import triage_views as views

app_name = "triage"

urlpatterns = [
    path("", views.triage_queue, name="queue"),
    path("compteur/", views.triage_counter, name="counter"),
    path("<int:pk>/", views.triage_message, name="message"),
    path("<int:pk>/demande/", views.triage_open_ticket, name="open_ticket"),
    path("<int:pk>/ajouter/", views.triage_append, name="append"),
    path("<int:pk>/indesirable/", views.triage_spam, name="spam"),
    path("<int:pk>/ignorer/", views.triage_ignore, name="ignore"),
]
