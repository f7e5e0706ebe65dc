"""REST API v1, mounted at /api/v1/ by oceanis/urls.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from notices.api import (
    MyNotificationReadView,
    MyNotificationsReadAllView,
    MyNotificationsView,
)

from .views.alerts import AlertIntakeView
from .views.directory import (
    ClientViewSet,
    ContactViewSet,
    ContractViewSet,
    SiteViewSet,
    TechnicianViewSet,
)
from .views.tickets import TicketViewSet
from .views.webhooks import WebhookSubscriptionViewSet

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tickets", TicketViewSet, basename="ticket")
router.register("clients", ClientViewSet, basename="client")
router.register("sites", SiteViewSet, basename="site")
router.register("contacts", ContactViewSet, basename="contact")
router.register("contracts", ContractViewSet, basename="contract")
router.register("technicians", TechnicianViewSet, basename="technician")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

# The schema documents the API, not data: public, like the doc pages built from it.
public = {"permission_classes": [AllowAny], "authentication_classes": []}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**public), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", **public), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", **public), name="redoc"),
    path("alerts/", AlertIntakeView.as_view(), name="alerts"),
    path("me/notifications/", MyNotificationsView.as_view(), name="my_notifications"),
    path(
        "me/notifications/read-all/",
        MyNotificationsReadAllView.as_view(),
        name="my_notifications_read_all",
    ),
    path(
        "me/notifications/<int:pk>/read/",
        MyNotificationReadView.as_view(),
        name="my_notification_read",
    ),
    path("", include(router.urls)),
]
