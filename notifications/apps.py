from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications.permissions import AGREEMENT_REMINDERS, CLUSTER_SUBSCRIPTIONS, DELIVERY, REMINDER_POLICY
        from plans.web.agreements import AgreementAction, register_action
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
        # "Remind those who have not answered" on an open agreement's page (plans/web/agreements.py).
        register_action(AgreementAction(
            "remind_non_responders", _("Remind those who have not answered"), "notifications:agreement-remind",
            AGREEMENT_REMINDERS.write_roles("remind"),
            help_text=_("Each person of those organizations gets an email with the options, at most once a day."),
        ))
