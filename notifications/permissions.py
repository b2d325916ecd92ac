"""Who may do what with subscriptions, reminder policies and the delivery log, per cluster role.

Plain data read by the API view sets and the web pages alike (see plans.permissions for the
shape and the role constants). Programme administrators may do everything.
"""

from __future__ import annotations

from plans.permissions import OVERSIGHT_ROLES, STAKEHOLDER_WRITE_ROLES, WRITE_ROLES, ActionRoles

SUBSCRIPTION = ActionRoles(
    actions={
        # A stakeholder: only their own subscriptions (the service checks it).
        "create": STAKEHOLDER_WRITE_ROLES,
        "partial_update": STAKEHOLDER_WRITE_ROLES,
        "update": STAKEHOLDER_WRITE_ROLES,
        "destroy": STAKEHOLDER_WRITE_ROLES,
    },
)
REMINDER_POLICY = ActionRoles(actions={"create": WRITE_ROLES, "partial_update": WRITE_ROLES})
# The log is read-only over the API (a write answers 405 to coordinators, 403 to others); the
# pages let coordinators resend a row or mark one in doubt as sent.
DELIVERY = ActionRoles(read=OVERSIGHT_ROLES, actions={"resend": WRITE_ROLES, "mark_sent": WRITE_ROLES})
# The pages' list of every subscription in a cluster: overseen by coordinators and auditors,
# managed by coordinators (a stakeholder manages their own through SUBSCRIPTION).
CLUSTER_SUBSCRIPTIONS = ActionRoles(read=OVERSIGHT_ROLES)
# "Remind those who have not answered" on an open agreement's page: its coordinators.
AGREEMENT_REMINDERS = ActionRoles(actions={"remind": WRITE_ROLES})
