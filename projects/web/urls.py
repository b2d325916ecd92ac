"""Pages of the projects app (namespace `projects`); each helper adds its own lines (a flat list).
Ids in paths use the `id` converter (ASCII digits only): `<id:plan_id>`."""

from django.urls import URLPattern, URLResolver, path

from projects.web import milestone_actions, plan, portfolio

app_name = "projects"

urlpatterns: list[URLPattern | URLResolver] = [
    path("portfolio/", portfolio.portfolio, name="portfolio"),
    path("plans/<id:plan_id>/", plan.plan_page, name="plan"),
    path("milestones/<id:milestone_id>/start/", milestone_actions.milestone_start, name="milestone-start"),
    path("milestones/<id:milestone_id>/complete/", milestone_actions.milestone_complete, name="milestone-complete"),
    path("milestones/<id:milestone_id>/reschedule/", milestone_actions.milestone_reschedule,
         name="milestone-reschedule"),
    path("milestones/<id:milestone_id>/update/", milestone_actions.milestone_update, name="milestone-update"),
]
