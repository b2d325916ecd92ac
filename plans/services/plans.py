"""Plan lifecycle: creation, edits, status transitions and reformulation."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.errors import RuleViolation, ValidationFailed
from plans.models import Agreement, Phase, Plan

from .history import Actor, lock, transition


@transaction.atomic
def plan_transition(
    *, plan_id: int, to: str, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Plan:
    """Move a plan along its lifecycle; approval needs the validation phase completed."""
    plan = lock(Plan, plan_id)
    extra: dict[str, Any] = {}
    if to == Plan.Status.APPROVED:
        validated = Phase.objects.filter(
            plan=plan, kind=Phase.Kind.VALIDATION, status=Phase.Status.COMPLETED,
            outcome_agreement__status=Agreement.Status.ADOPTED,
        ).exists()
        if not validated:
            raise RuleViolation(
                _("The plan can be approved only after its validation phase is completed with an adopted agreement.")
            )
        extra["approved_on"] = timezone.localdate()
    if to == Plan.Status.CANCELLED and not reason.strip():
        raise ValidationFailed(_("A reason is required to cancel a plan."), errors={"reason": [_("Required.")]})
    transition(plan, to=to, actor=actor, reason=reason, extra=extra, expected_version=expected_version)
    return plan
