"""Pages of the notifications app (namespace `notifications`); helpers add their lines (a flat list)."""

from django.urls import URLPattern, URLResolver, path

from notifications.web import agreements, deliveries, home, overview, preferences, reminders, subscriptions

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications/", overview.overview, name="overview"),
    path("notifications/clusters/<id:cluster_id>/deliveries/", deliveries.delivery_log, name="deliveries"),
    path("notifications/clusters/<id:cluster_id>/deliveries/<id:delivery_id>/resend/",
         deliveries.delivery_resend, name="delivery-resend"),
    path("notifications/clusters/<id:cluster_id>/deliveries/<id:delivery_id>/mark-sent/",
         deliveries.delivery_mark_sent, name="delivery-mark-sent"),
    path("notifications/clusters/<id:cluster_id>/subscriptions/", subscriptions.subscription_list,
         name="subscriptions"),
    path("notifications/clusters/<id:cluster_id>/subscriptions/new/", subscriptions.subscription_new,
         name="subscription-new"),
    path("notifications/clusters/<id:cluster_id>/subscriptions/<id:subscription_id>/",
         subscriptions.subscription_edit, name="subscription-edit"),
    path("notifications/clusters/<id:cluster_id>/subscriptions/<id:subscription_id>/delete/",
         subscriptions.subscription_remove, name="subscription-delete"),
    path("notifications/plans/<id:plan_id>/reminders/", reminders.reminder_policy, name="reminder-policy"),
    path("notifications/agreements/<id:agreement_id>/remind/", agreements.agreement_remind,
         name="agreement-remind"),
    # A stakeholder's own pages (a personal link's session or their login).
    path("me/", home.home, name="me"),
    path("me/preferences/", preferences.preferences, name="preferences"),
    path("me/preferences/resubscribe/", preferences.preferences_resubscribe, name="preferences-resubscribe"),
    path("me/preferences/calendar/", preferences.preferences_calendar, name="preferences-calendar"),
    path("me/preferences/links/", preferences.preferences_links, name="preferences-links"),
]
