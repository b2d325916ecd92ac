"""Pages of the projects app (namespace `projects`); each helper adds its own lines (a flat list).
Ids in paths use the `id` converter (ASCII digits only): `<id:plan_id>`."""

from django.urls import URLPattern, URLResolver, path

from projects.web import funding, milestone_actions, milestones, plan, portfolio, projects, report

app_name = "projects"

urlpatterns: list[URLPattern | URLResolver] = [
    path("portfolio/", portfolio.portfolio, name="portfolio"),
    path("plans/<id:plan_id>/", plan.plan_page, name="plan"),
    path("plans/<id:plan_id>/milestones/", milestones.milestone_list, name="milestone-list"),
    path("plans/<id:plan_id>/milestones/calendar/", milestones.milestone_calendar, name="milestone-calendar"),
    path("milestones/<id:milestone_id>/", milestones.milestone_detail, name="milestone"),
    path("plans/<id:plan_id>/projects/new/", projects.project_create_view, name="project-create"),
    path("projects/<id:project_id>/", projects.project_detail, name="project"),
    path("projects/<id:project_id>/edit/", projects.project_edit, name="project-edit"),
    path("projects/<id:project_id>/status/", projects.project_move, name="project-transition"),
    path("projects/<id:project_id>/beneficiaries/", projects.beneficiary_add_view, name="beneficiary-add"),
    path("projects/<id:project_id>/beneficiaries/<id:organization_id>/remove/", projects.beneficiary_remove_view,
         name="beneficiary-remove"),
    path("projects/<id:project_id>/funding-lines/new/", funding.funding_line_create_view, name="funding-line-create"),
    path("projects/<id:project_id>/funding-lines/<id:line_id>/edit/", funding.funding_line_edit,
         name="funding-line-edit"),
    path("projects/<id:project_id>/funding-lines/<id:line_id>/expenditures/new/", funding.expenditure_create,
         name="expenditure-create"),
    path("milestones/<id:milestone_id>/start/", milestone_actions.milestone_start, name="milestone-start"),
    path("milestones/<id:milestone_id>/complete/", milestone_actions.milestone_complete, name="milestone-complete"),
    path("milestones/<id:milestone_id>/reschedule/", milestone_actions.milestone_reschedule,
         name="milestone-reschedule"),
    path("milestones/<id:milestone_id>/update/", milestone_actions.milestone_update, name="milestone-update"),
    path("plans/<id:plan_id>/report/", report.plan_report, name="plan-report"),
    path("plans/<id:plan_id>/report.pdf", report.plan_report_pdf, name="plan-report-pdf"),
]
