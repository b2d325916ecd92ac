"""Top-level routes: admin, the versioned API and the token-protected public pages."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("", include("notifications.urls")),
]

# Errors under /api/ keep the API's JSON error body (plans/api/base/errors.py).
handler404 = "plans.api.base.errors.not_found"
handler500 = "plans.api.base.errors.server_error"
