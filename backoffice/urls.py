"""Back-office URLs, mounted at "/". ``home`` stays un-namespaced (login redirect, brand link);
every other page is ``backoffice:<name>``."""

from django.urls import include, path

from .views import create, dispatch, queues, search, ticket, ticket_actions, watchers

backoffice_patterns = [
    path("queue/", queues.team_queue, name="team_queue"),
    path("escalated/", queues.escalated_queue, name="escalated_queue"),
    path("search/", search.search, name="search"),
    path("tickets/new/", create.ticket_new, name="ticket_new"),
    path("tickets/new/clients/", create.client_search, name="client_search"),
    path("tickets/new/client/", create.client_fields, name="client_fields"),
    path("tickets/new/gti/", create.gti_preview_view, name="gti_preview"),
    path("tickets/<str:reference>/", ticket.ticket_detail, name="ticket"),
    path("tickets/<str:reference>/sla/", ticket.ticket_sla, name="ticket_sla"),
    path(
        "tickets/<str:reference>/actions/<slug:action>/",
        ticket_actions.ticket_action,
        name="ticket_action",
    ),
    path("tickets/<str:reference>/entries/", ticket_actions.ticket_entry, name="ticket_entry"),
    path(
        "tickets/<str:reference>/attachments/", ticket_actions.ticket_attach, name="ticket_attach"
    ),
    path("tickets/<str:reference>/watchers/", watchers.watcher_add, name="watcher_add"),
    path(
        "tickets/<str:reference>/watchers/follow/", watchers.watcher_follow, name="watcher_follow"
    ),
    path(
        "tickets/<str:reference>/watchers/unfollow/",
        watchers.watcher_unfollow,
        name="watcher_unfollow",
    ),
    path(
        "tickets/<str:reference>/watchers/<int:pk>/remove/",
        watchers.watcher_remove,
        name="watcher_remove",
    ),
    path("attachments/<int:pk>/", ticket_actions.attachment_download, name="attachment"),
    path("dispatch/", dispatch.dispatch, name="dispatch"),
    path("dispatch/assign/", dispatch.dispatch_assign, name="dispatch_assign"),
    path("dispatch/bulk/", dispatch.dispatch_bulk, name="dispatch_bulk"),
]

urlpatterns = [
    path("", queues.home, name="home"),
    path("", include((backoffice_patterns, "backoffice"))),
]
