from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications.permissions import CLUSTER_SUBSCRIPTIONS, DELIVERY, REMINDER_POLICY
        from plans.web.nav import NavLink, register

        # The notification pages in the plan nav and the header (plans/web/nav.py).
        register(
            NavLink("deliveries", _("Delivery log"), "notifications:deliveries", DELIVERY.read, by="cluster",
                    order=70),
            NavLink("subscriptions", _("Subscriptions"), "notifications:subscriptions", CLUSTER_SUBSCRIPTIONS.read,
                    by="cluster", order=75),
            NavLink("reminders", _("Reminders"), "notifications:reminder-policy", REMINDER_POLICY.read, order=80),
            NavLink("notifications", _("Notifications"), "notifications:overview", DELIVERY.read, by="site",
                    order=20),
        )
