"""Public token pages outside /api/v1/ (calendar feed, unsubscribe)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
