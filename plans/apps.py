from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Plans")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from plans.audit.guards import on_post_migrate

        # PostgreSQL: capture triggers on every domain table, new ones included (audit).
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="pmc_capture_triggers")

        from django.urls import register_converter

        from plans.web.converters import IdConverter
        from plans.web.statuses import register_statuses

        # `<id:plan_id>` in every page route (registered once, before any URLconf loads).
        register_converter(IdConverter, "id")
        from plans.models import Agreement, Forum, Phase, Plan

        for kind, choices in (("plan", Plan.Status), ("phase", Phase.Status), ("forum", Forum.Status),
                              ("agreement", Agreement.Status)):
            register_statuses(kind, choices)
