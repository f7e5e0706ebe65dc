"""Only the API mounted as in production: API tests do not depend on other apps' pages."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("api.urls"))]
