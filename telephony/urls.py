from django.urls import path

from . import views

app_name = "telephony"

urlpatterns = [
    path("", views.calls, name="calls"),
    path("carte/", views.live_card, name="card"),
    path("<int:pk>/demandes/<str:reference>/", views.call_report, name="call_report"),
]
