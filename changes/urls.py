from django.urls import path

from . import views

app_name = "changes"

urlpatterns = [
    path("", views.change_list, name="change_list"),
    path("nouveau/", views.change_create, name="change_create"),
    path("<int:pk>/", views.change_detail, name="change_detail"),
    path("<int:pk>/modifier/", views.change_edit, name="change_edit"),
    path("<int:pk>/transition/", views.change_transition, name="change_transition"),
    path("<int:pk>/sourdine/", views.change_silence, name="change_silence"),
    path("problemes/", views.problem_list, name="problem_list"),
    path("problemes/nouveau/", views.problem_create, name="problem_create"),
    path("problemes/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problemes/<int:pk>/modifier/", views.problem_edit, name="problem_edit"),
    path("problemes/<int:pk>/transition/", views.problem_transition, name="problem_transition"),
]
