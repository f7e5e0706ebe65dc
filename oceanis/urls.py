from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("api.urls")),
    path("extranet/", include("extranet.urls")),
    path("oncall/", include("oncall.urls")),
    path("inbound/", include("notifications.urls")),
    path("notifications/", include("notices.urls")),
    path("projects/", include("projects.urls")),
    path("reports/", include("reports.urls")),
    path("incidents/", include("incidents.urls")),
    path("changements/", include("changes.urls")),
    path("shifts/", include("shifts.urls")),
    path("", include("backoffice.urls")),
]
