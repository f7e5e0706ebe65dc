from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
