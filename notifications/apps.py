from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from plans.services.history import event_committed

        from .receivers import on_event_committed

        event_committed.connect(on_event_committed, dispatch_uid="notifications.dispatch")
