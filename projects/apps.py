from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from plans.web.statuses import register_statuses
        from projects.models import Milestone, Project

        # Labels and colours of the status badges on the pages (plans/templatetags/pmc.py).
        register_statuses("project", Project.Status)
        register_statuses("milestone", Milestone.Status)
