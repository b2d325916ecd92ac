from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Plans")
    history_capture = True  # plans.audit.guards: outside writes to its tables are captured

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from plans.access_cache import connect_invalidation
        from plans.audit.guards import on_post_migrate
        from plans.services.history.marker import on_connection_created

        # Capture triggers on every domain table, new ones included (audit).
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="pmc_capture_triggers")
        # SQLite: the functions those triggers call, on every connection of this project.
        connection_created.connect(on_connection_created, dispatch_uid="pmc_capture_functions")
        # Cached roles are dropped on a role or user change in every process (workers, commands).
        connect_invalidation()

        from django.urls import register_converter

        from plans.web.converters import IdConverter
        from plans.web.statuses import register_statuses

        # `<id:plan_id>` in every page route (registered once, before any URLconf loads).
        register_converter(IdConverter, "id")
        from plans.models import Agreement, Forum, Phase, Plan

        for kind, choices in (("plan", Plan.Status), ("phase", Phase.Status), ("forum", Forum.Status),
                              ("agreement", Agreement.Status)):
            register_statuses(kind, choices)
