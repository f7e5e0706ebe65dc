from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("mail/", views.inbound_mail, name="inbound-mail"),
]
