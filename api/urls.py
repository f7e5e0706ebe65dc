"""REST API v1, mounted at /api/v1/ by oceanis/urls.py."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from knowledge.api import ArticleViewSet
from notices.api import (
    MyNotificationReadView,
    MyNotificationsReadAllView,
    MyNotificationsView,
)
from relations.api import TicketLinksView, TicketMergeView
from search.api import SearchView
from telephony.api import CallIntakeView

from .errors import error_body
from .views.alerts import AlertIntakeView
from .views.directory import (
    ClientViewSet,
    ContactViewSet,
    ContractViewSet,
    SiteViewSet,
    TechnicianViewSet,
)
from .views.oncall import PageAckView, on_call_now
from .views.tickets import TicketViewSet
from .views.webhooks import WebhookSubscriptionViewSet

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# Undocumented `.json` suffixes reached the extra actions without the `format` argument (500s).
router.include_format_suffixes = False
router.register("tickets", TicketViewSet, basename="ticket")
router.register("clients", ClientViewSet, basename="client")
router.register("sites", SiteViewSet, basename="site")
router.register("contacts", ContactViewSet, basename="contact")
router.register("contracts", ContractViewSet, basename="contract")
router.register("technicians", TechnicianViewSet, basename="technician")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
router.register("kb/articles", ArticleViewSet, basename="kb-article")


@csrf_exempt  # a POST to an unknown path is answered 404, not the CSRF failure page
def not_found(request):
    return JsonResponse(error_body("not_found", str(NotFound.default_detail)), status=404)


# The schema documents the API, not data: public, like the doc pages built from it.
public = {"permission_classes": [AllowAny], "authentication_classes": []}
# Swagger UI and Redoc style their widgets with injected <style> elements and Redoc searches in a
# blob: worker: these two pages, and only they, allow that. Their scripts stay same-origin files
# (Swagger's start-up script is served by the split view, Redoc's template has none).
docs_policy = csp_replace(
    {"style-src": [SELF, UNSAFE_INLINE], "img-src": [SELF, "data:"], "worker-src": [SELF, "blob:"]}
)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**public), name="schema"),
    path(
        "docs/",
        docs_policy(SpectacularSwaggerSplitView.as_view(url_name="api:schema", **public)),
        name="docs",
    ),
    path(
        "redoc/",
        docs_policy(
            SpectacularRedocView.as_view(
                url_name="api:schema", template_name="api/redoc.html", **public
            )
        ),
        name="redoc",
    ),
    path("alerts/", AlertIntakeView.as_view(), name="alerts"),
    path("calls/", CallIntakeView.as_view(), name="calls"),
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
    path("oncall/now", on_call_now, name="oncall_now"),
    path("oncall/pages/<int:pk>/ack/", PageAckView.as_view(), name="oncall_page_ack"),
    path("search/", SearchView.as_view(), name="search"),
    # Before the router: its detail routes would not match these, but the order states it.
    path("tickets/<str:reference>/links/", TicketLinksView.as_view(), name="ticket_links"),
    path("tickets/<str:reference>/merge/", TicketMergeView.as_view(), name="ticket_merge"),
    path("", include(router.urls)),
    # Last: any other path answers the API's JSON 404, not an HTML page. Only paths ending in a
    # slash, so that CommonMiddleware still redirects `/api/v1/tickets` to `/api/v1/tickets/`.
    re_path(r"^.*/$", not_found, name="not_found"),
]
