from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("read-all/", views.notices_read_all, name="read_all"),
    path("preference/", views.preference, name="preference"),
    path("<int:pk>/", views.notice_open, name="open"),
    path("<int:pk>/read/", views.notice_read, name="read"),
]
