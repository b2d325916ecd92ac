"""Small guards shared by the plans services (input shape, reasons, open plans)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.errors import RuleViolation, ValidationFailed
from plans.models import Organization, Plan

M = TypeVar("M", bound=models.Model)


def only_fields(values: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    """Refuse fields a generic update may not touch (status, links, derived values)."""
    allowed_set = set(allowed)
    refused = sorted(set(values) - allowed_set)
    if refused:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(fields)s."),
            errors={name: [_("Not editable here.")] for name in refused},
            fields=", ".join(refused),
        )
    return dict(values)


def require_reason(reason: str, message: Any) -> str:
    """A non-blank reason, or a ValidationFailed naming the `reason` field."""
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(message, errors={"reason": [_("Required.")]})
    return text


def ensure_plan_open(plan: Plan) -> None:
    """Closed and cancelled plans are the record of what happened: nothing in them changes."""
    if plan.status not in Plan.OPEN_STATUSES:
        raise RuleViolation(
            _("The plan is %(status)s; its phases, forums and agreements can no longer change."),
            status=plan.get_status_display(),
        )


def ensure_aware(value: dt.datetime | None, field: str) -> None:
    if value is not None and timezone.is_naive(value):
        raise ValidationFailed(
            _("Give the date and time with its time zone."), errors={field: [_("A time zone is required.")]}
        )


def ensure_member(organization: Organization, cluster_id: int, field: str = "organization") -> None:
    """The organization must be an active member (full or adherent) of the cluster."""
    if organization.cluster_id != cluster_id or not organization.is_active:
        raise ValidationFailed(
            _("%(organization)s is not an active member organization of this cluster."),
            errors={field: [_("Not a member of the cluster.")]},
            organization=organization.name,
        )


def related(model: type[M], pk: Any, field: str) -> M:
    """A row named by the caller's input; an unknown id is bad input on `field`, not a crash."""
    found = model._default_manager.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(
            _("No %(object)s with id %(id)s."), errors={field: [_("Does not exist.")]},
            object=model._meta.verbose_name, id=pk,
        )
    return found
