"""The application's routes plus the bare-Django floor views (bench only, never in production)."""

from django.urls import include, path

from bench import floor

urlpatterns = [
    path("bench/floor/plans/<int:pk>/dashboard/", floor.dashboard),
    path("bench/floor/milestones/", floor.milestones),
    path("bench/floor/projects/", floor.projects),
    path("bench/floor/me/", floor.me),
    path("", include("config.urls")),
]
