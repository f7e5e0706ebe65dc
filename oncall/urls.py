from django.urls import path

from oceanis.redirects import api_moved

from . import views

app_name = "oncall"

urlpatterns = [
    path("", views.now, name="now"),
    path("calendar/", views.calendar, name="calendar"),
    path("pages/", views.page_list, name="page_list"),
    path("pages/<int:pk>/", views.page_detail, name="page_detail"),
    path("pages/<int:pk>/ack/", views.page_ack, name="page_ack"),
    path("ack/<str:token>/", views.ack_link, name="ack_link"),
    path("ical/<str:token>.ics", views.ical_feed, name="ical_feed"),
    path("feed/", views.feed_create, name="feed_create"),
    path("feed/revoke/", views.feed_revoke, name="feed_revoke"),
    # The on-call API moved under /api/v1/oncall/; integrations using the old paths follow a 308.
    path("api/now", api_moved("api:oncall_now"), name="api_now_moved"),
    path(
        "api/pages/<int:pk>/ack/",
        api_moved("api:oncall_page_ack"),
        name="api_page_ack_moved",
    ),
]
