from django.urls import path

from . import api_views, views

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
    path("api/now", api_views.on_call_now, name="api_now"),
    path("api/pages/<int:pk>/ack/", api_views.PageAckView.as_view(), name="api_page_ack"),
]
