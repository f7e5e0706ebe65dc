from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("nouveau/", views.article_create, name="create"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/modifier/", views.article_edit, name="edit"),
    path("<int:pk>/lier/", views.article_link, name="link"),
    path("probleme/<int:problem_pk>/publier/", views.publish_known_error, name="publish_problem"),
    path("demande/<str:reference>/suggestions/", views.ticket_panel, name="ticket_panel"),
]
