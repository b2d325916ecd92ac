"""The Celery application and its beat schedule (the one place periodic work is declared).

Settings come from Django settings with the CELERY_ prefix. Beat runs in UTC; reminders
compute their own local instants per recipient, so the schedule is just "look often".
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("pmc_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# plans.audit is a package inside an app, which autodiscovery does not walk.
app.autodiscover_tasks(["plans.audit"])


def _sweep_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "NOTIFICATIONS_SWEEP_SECONDS", 60))


app.conf.beat_schedule = {
    # Lost dispatches, pending deliveries whose task vanished, rows stuck in `sending`.
    "notifications-sweep-outbox": {"task": "notifications.sweep_outbox", "schedule": _sweep_seconds()},
    # Milestone due-soon / overdue / escalation, forum reminders, digests ("what is due now?").
    "notifications-sweep-reminders": {"task": "notifications.sweep_reminders", "schedule": _sweep_seconds()},
    # Writes caught at the database (outside the services) are sealed into the hash chain.
    "audit-seal-outside-writes": {"task": "plans.audit.seal_outside_writes", "schedule": 300.0},
    # Expired API tokens (a request checks only the token it presents; see plans/api/base/authentication.py).
    "plans-purge-expired-tokens": {"task": "plans.purge_expired_tokens", "schedule": 3600.0},
}
