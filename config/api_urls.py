"""Routes under /api/v1/: each app contributes its own module.

Specific plan sub-resources (dashboard from projects, history from the audit module) are
listed before the plans router so their paths are matched first.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's starter script from a URL, so no inline script is needed (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="pmc/redoc.html"), name="redoc"),
    path("", include("plans.audit.urls")),
    path("", include("projects.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("plans.api.urls")),
]
