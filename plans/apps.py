from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Plans")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from plans.audit.guards import on_post_migrate
        from plans.services.history.marker import on_connection_created

        # Capture triggers on every domain table, new ones included (audit).
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="pmc_capture_triggers")
        # SQLite: the functions those triggers call, on every connection of this project.
        connection_created.connect(on_connection_created, dispatch_uid="pmc_capture_functions")
