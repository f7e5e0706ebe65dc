from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from ops.views import metrics

from .health import healthz


class FaviconView(RedirectView):
    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("oceanis/favicon.svg")  # per request: the manifest is read lazily


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    # Browsers ask for /favicon.ico on every page, whatever the <link rel="icon"> says.
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sso/", include("sso.urls")),
    path("api/v1/", include("api.urls")),
    path("securite/", include("identity.urls")),
    path("securite/webauthn/", include("identity.webauthn_urls")),
    path("extranet/", include("extranet.urls")),
    path("oncall/", include("oncall.urls")),
    path("calendars/", include("calendars.urls")),
    path("inbound/", include("notifications.urls")),
    path("notifications/", include("notices.urls")),
    path("projects/", include("projects.urls")),
    path("reports/", include("reports.urls")),
    path("incidents/", include("incidents.urls")),
    path("changements/", include("changes.urls")),
    path("evenements/", include("alerts.urls")),
    path("triage/", include("notifications.triage_urls")),
    path("shifts/", include("shifts.urls")),
    path("kb/", include("knowledge.urls")),
    path("relations/", include("relations.urls")),
    path("macros/", include("macros.urls")),
    path("extranet/satisfaction/", include("satisfaction.urls")),
    path("appels/", include("telephony.urls")),
    path("sessions/", include("logins.urls")),
    path("portefeuilles/", include("portfolios.urls")),
    path("", include("backoffice.urls")),
]
