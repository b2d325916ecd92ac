"""Pages of the projects app (namespace `projects`); each helper adds its own lines (a flat list).
Ids in paths use the `id` converter (ASCII digits only): `<id:plan_id>`."""

from django.urls import URLPattern, URLResolver, path

from projects.web import plan, portfolio

app_name = "projects"

urlpatterns: list[URLPattern | URLResolver] = [
    path("portfolio/", portfolio.portfolio, name="portfolio"),
    path("plans/<id:plan_id>/", plan.plan_page, name="plan"),
]
