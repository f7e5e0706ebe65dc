from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.event_console, name="console"),
    path("<int:pk>/", views.event_detail, name="event"),
    path("<int:pk>/prise-en-compte/", views.event_acknowledge, name="acknowledge"),
    path("<int:pk>/demande/", views.event_open_ticket, name="open_ticket"),
    path("<int:pk>/lier-demande/", views.event_link_ticket, name="link_ticket"),
    path("<int:pk>/incident/", views.event_link_incident, name="link_incident"),
    path("<int:pk>/sourdine/", views.event_silence, name="silence"),
    path("sourdines/<int:pk>/lever/", views.silence_lift, name="silence_lift"),
]
