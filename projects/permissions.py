"""Who may do what with projects, milestones and indicators, per cluster role.

Plain data read by the API view sets and the web pages alike (see plans.permissions for the
shape and the role constants). Programme administrators may do everything.
"""

from __future__ import annotations

from plans.permissions import READ_ROLES, STAKEHOLDER_WRITE_ROLES, WRITE_ROLES, ActionRoles

PROJECT = ActionRoles(
    actions={
        "create": WRITE_ROLES,
        "partial_update": WRITE_ROLES,
        "transition": WRITE_ROLES,
        "beneficiaries": WRITE_ROLES,
        "beneficiary": WRITE_ROLES,
        "funding_lines": WRITE_ROLES,
        "funding_line": WRITE_ROLES,
        "expenditures": WRITE_ROLES,
    },
)
MILESTONE = ActionRoles(
    actions={
        "create": WRITE_ROLES,
        "partial_update": WRITE_ROLES,
        "start": WRITE_ROLES,
        "complete": WRITE_ROLES,
        "reschedule": WRITE_ROLES,
        "cancel": WRITE_ROLES,
        "updates": STAKEHOLDER_WRITE_ROLES,  # a stakeholder: only on a milestone they answer for (service)
    },
)
INDICATOR = ActionRoles(
    actions={"create": WRITE_ROLES, "partial_update": WRITE_ROLES, "measurements": WRITE_ROLES},
)
DASHBOARD = ActionRoles(read=READ_ROLES)  # GET only
