"""Who uses the notification pages, per cluster role (until notifications/permissions.py lands).

Oversight (coordinators and auditors) reads the delivery log and the subscriptions; only
coordinators act. Reminder policies read like the plan they belong to.
"""

from __future__ import annotations

from notifications.selectors import MANAGE_ROLES, OVERSIGHT_ROLES
from plans.access import READ_ROLES, WRITE_ROLES

LOG_READ_ROLES = OVERSIGHT_ROLES
LOG_ACTION_ROLES = MANAGE_ROLES  # resend, mark as sent
SUBSCRIPTION_READ_ROLES = OVERSIGHT_ROLES
SUBSCRIPTION_WRITE_ROLES = MANAGE_ROLES
POLICY_READ_ROLES = READ_ROLES
POLICY_WRITE_ROLES = WRITE_ROLES
