"""Compare: what was created, changed and deleted in the plan between two moments, per object.

The moments are typed in the cluster's zone (a date-time input) or given as ISO 8601 with an
offset (a link); plans/audit/asof.compare does the work, as for the API.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from plans.audit import asof
from plans.audit.seal import pending_count
from plans.web.forums import zone_of

from .access import workbench_plan
from .display import compare_sections, local_time

LOCAL_INPUT = "%Y-%m-%dT%H:%M:%S"


def parse_moment(text: str, zone: zoneinfo.ZoneInfo, *, end_of_day: bool = False) -> dt.datetime | None:
    """A date-time in the cluster's zone (or with its own offset), or a date (its start, or its
    end for the upper bound); None when it is neither."""
    text = text.strip()
    if "T" in text:
        text = text.replace(" ", "+")  # an unescaped "+" of an offset arrives as a space
    try:
        # A date first: parse_datetime reads "2012-09-21" as its midnight (datetime.fromisoformat).
        day = parse_date(text)
        if day is not None:
            moment = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min)
        else:
            moment = parse_datetime(text)  # type: ignore[assignment]
        if moment is None:
            return None
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None


def read_moments(query: Any, zone: zoneinfo.ZoneInfo) -> tuple[dict[str, dt.datetime], dict[str, str]]:
    """`from` (required) and `to` (default: now) of the query, and the errors by name."""
    moments: dict[str, dt.datetime] = {}
    errors: dict[str, str] = {}
    for name, end_of_day in (("from", False), ("to", True)):
        text = (query.get(name) or "").strip()[:64]
        if not text:
            continue
        moment = parse_moment(text, zone, end_of_day=end_of_day)
        if moment is None:
            errors[name] = str(_("Enter a date and time, e.g. 2012-09-21 08:30."))
        else:
            moments[name] = moment
    if "from" not in moments and "from" not in errors:
        errors["from"] = str(_("Enter the first moment."))
    moments.setdefault("to", timezone.now())
    if "from" in moments and moments["from"] > moments["to"]:
        errors["from"] = str(_("Must be before “to”."))
    return moments, errors


def input_value(moment: dt.datetime | None, zone: zoneinfo.ZoneInfo) -> str:
    """What the date-time input shows: the moment in the cluster's zone."""
    return moment.astimezone(zone).strftime(LOCAL_INPUT) if moment else ""


@login_required
@require_safe
def history_compare(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = workbench_plan(request, plan_id)
    zone = zone_of(plan)
    asked = "from" in request.GET or "to" in request.GET
    moments, errors = read_moments(request.GET, zone) if asked else ({}, {})
    context: dict[str, Any] = {
        "plan": plan, "cluster": plan.cluster, "zone": zone, "nav_current": "history", "errors": errors,
        "pending": pending_count(),
        "from_value": input_value(moments.get("from"), zone) or (request.GET.get("from") or "")[:64],
        "to_value": input_value(moments.get("to"), zone) if "to" in request.GET else "",
    }
    if asked and not errors:
        start, end = moments["from"], moments["to"]
        result = asof.compare(plan.pk, start, end)
        context.update({
            "sections": compare_sections(result, plan_id=plan.pk, zone=zone), "compared": True,
            "objects": len(result["objects"]), "start": local_time(start, zone), "end": local_time(end, zone),
        })
    return render(request, "plans/history_compare.html", context)
