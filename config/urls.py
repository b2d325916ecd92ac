"""Top-level routes: admin, the versioned API, the token-protected public pages and the web pages."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("", include("notifications.urls")),
]

# --- Web pages (server-rendered; each app's web/urls.py, namespaced) ----------------------
urlpatterns += [
    path("i18n/", include("django.conf.urls.i18n")),  # set_language (the footer's switch)
    path("", include("plans.web.urls")),
    path("", include("projects.web.urls")),
    path("", include("notifications.web.urls")),
]

# Errors under /api/ keep the API's JSON error body (config/api.py).
handler404 = "config.api.not_found"
handler500 = "config.api.server_error"
