"""Pages of the notifications app (namespace `notifications`); helpers add their lines (a flat list)."""

from django.urls import URLPattern, URLResolver

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = []
