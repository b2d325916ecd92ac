"""Public token pages outside /api/v1/ (calendar feed, unsubscribe)."""

from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("unsubscribe/<str:token>", views.unsubscribe_view, name="unsubscribe"),
    path("unsubscribe/<str:token>/resubscribe", views.unsubscribe_undo, name="unsubscribe-undo"),
    path("unsubscribe/<str:token>/preferences", views.unsubscribe_choose, name="unsubscribe-choose"),
]
