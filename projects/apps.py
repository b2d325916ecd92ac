from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")
    history_capture = True  # plans.audit.guards: outside writes to its tables are captured

    def ready(self) -> None:
        from plans.web.statuses import register_statuses
        from projects.models import Milestone, Project

        # Labels and colours of the status badges on the pages (plans/templatetags/pmc.py).
        register_statuses("project", Project.Status)
        register_statuses("milestone", Milestone.Status)

        from plans.permissions import CLUSTER
        from plans.web.nav import NavLink, register
        from projects.permissions import DASHBOARD, MILESTONE

        # The plan's pages in the plan nav (plans/web/nav.py); the portfolio spans every cluster.
        register(
            NavLink("plan", _("Plan"), "projects:plan", DASHBOARD.read, order=10),
            NavLink("milestones", _("Milestones"), "projects:milestone-list", MILESTONE.read, order=20),
            NavLink("calendar", _("Calendar"), "projects:milestone-calendar", MILESTONE.read, order=30),
            # The assembly report (projects/web/report.py), after the plans app's pages.
            NavLink("report", _("Report"), "projects:plan-report", DASHBOARD.read, order=65),
            NavLink("report-pdf", _("Report (PDF)"), "projects:plan-report-pdf", DASHBOARD.read, order=66),
            NavLink("portfolio", _("Portfolio"), "projects:portfolio", CLUSTER.read, by="site", order=10,
                    everywhere=True),
        )

        from plans.web.audit.registry import register_money, register_object_page

        # The workbench's timeline links each object to its page and shows its money with the currency.
        register_object_page("plans.plan", "projects:plan")
        register_object_page("projects.project", "projects:project")
        register_object_page("projects.milestone", "projects:milestone")
        register_money("projects.fundingline", {"budget": "currency", "executed": "currency"})
        register_money("projects.expenditure", {"amount": "funding_line__currency"})
