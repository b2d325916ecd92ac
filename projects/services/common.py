"""Small helpers shared by the projects services: input coercion and the cluster's clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.errors import ValidationFailed
from plans.models import Cluster, Plan
from plans.services.common import ensure_plan_open
from plans.services.history import lock


def to_decimal(value: Any, *, field: str, places: int = 2) -> Decimal:
    """Money and measured values are Decimal; floats are refused rather than rounded silently.

    The result has exactly `places` decimals (the column's), so the history records the
    value as stored ("1500.00", not "1500"); more decimals than the column keeps are refused.
    """
    if isinstance(value, bool | float):
        raise ValidationFailed(
            _("Amounts must be given as a decimal number, not a float."),
            errors={field: [_("Use a decimal value such as \"1250.50\".")]},
        )
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationFailed(_("“%(value)s” is not a number."), errors={field: [_("Enter a number.")]},
                               value=value) from exc
    if not result.is_finite():
        raise ValidationFailed(_("“%(value)s” is not a number."), errors={field: [_("Enter a number.")]},
                               value=value)
    exponent = result.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValidationFailed(
            _("“%(value)s” has more than %(places)s decimals."),
            errors={field: [_("Use at most %(places)s decimals.") % {"places": places}]}, value=value, places=places,
        )
    return result.quantize(Decimal(1).scaleb(-places))


def to_date(value: Any, *, field: str) -> dt.date:
    """Accept a date or an ISO string (as the API passes it); datetimes are not dates."""
    if isinstance(value, dt.datetime):
        raise ValidationFailed(_("A date is expected, not a date and time."), errors={field: [_("Enter a date.")]})
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed(_("“%(value)s” is not a valid date."), errors={field: [_("Enter a valid date.")]},
                               value=value) from exc


def cluster_today(cluster_id: int) -> dt.date:
    """Today where the cluster is: a date typed in Tucumán is not 'in the future' at 22:00 there."""
    tz_name = Cluster.objects.filter(pk=cluster_id).values_list("time_zone", flat=True).first()
    try:
        tz = ZoneInfo(tz_name) if tz_name else timezone.get_current_timezone()
    except (ZoneInfoNotFoundError, ValueError):
        tz = timezone.get_current_timezone()
    return timezone.localtime(timezone.now(), tz).date()


def refuse_future(day: dt.date, *, cluster_id: int, field: str) -> None:
    if day > cluster_today(cluster_id):
        raise ValidationFailed(
            _("The date %(day)s is in the future."), errors={field: [_("The date cannot be in the future.")]},
            day=day.isoformat(),
        )


def require_reason(reason: str, message: Any) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(message, errors={"reason": [_("Required.")]})
    return reason


def normalize_values(
    values: dict[str, Any], *, editable: frozenset[str], foreign_keys: frozenset[str] = frozenset(),
    hints: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Check `values` against the editable fields; foreign keys may be given as row or id.

    Returns a dict keyed by attribute name (`strategic_line_id`), ready for setattr. `hints`
    maps a refused field to the message that says which service changes it instead.
    """
    hints = hints or {}
    errors: dict[str, list[Any]] = {}
    result: dict[str, Any] = {}
    for key, value in values.items():
        name = key[:-3] if key.endswith("_id") and key[:-3] in foreign_keys else key
        if name in hints:
            errors[key] = [hints[name]]
        elif name not in editable:
            errors[key] = [_("This field cannot be changed here.")]
        elif name in foreign_keys:
            result[f"{name}_id"] = value.pk if isinstance(value, models.Model) else value
        else:
            result[name] = value
    if errors:
        raise ValidationFailed(_("Some fields cannot be changed here."), errors=errors)
    return result


def lock_open_plan(plan_id: int) -> Plan:
    """Lock the plan and refuse to change anything in it once it is closed or cancelled.

    Locked (not just read) so a plan cannot be cancelled between this check and the write;
    callers take it after the project's lock and before their history event (the lock order
    of progress.lock_for_progress: milestone/line -> project -> plan -> chain head).
    """
    plan = lock(Plan, plan_id)
    ensure_plan_open(plan)
    return plan
