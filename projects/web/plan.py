"""The plan page (`projects:plan`): a coordinator's day on one screen.

Built from `projects.selectors.plan_page` (the API dashboard's selector plus the lists the
page acts on). Write controls show only to whoever may write in the plan's cluster, and only
while the plan is open (the services refuse writes in a closed plan anyway).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from plans.access import WRITE_ROLES
from plans.models import Cluster, Plan, Source
from plans.web.base import may
from projects import selectors

from .charts import money_chart, trend

ACTION_LABELS = {
    "create": _("created"),
    "update": _("changed"),
    "transition": _("changed the status of"),
    "complete": _("completed"),
    "reschedule": _("rescheduled"),
    "delete": _("deleted"),
    "position": _("recorded a position on"),
    "append": _("added to"),
}
SOURCE_LABELS = dict(Source.choices)
CHANGES_SHOWN = 4


@login_required
@require_safe
def plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    row = selectors.plan_row_visible(request.user, plan_id)
    if row is None:
        raise Http404
    page = selectors.plan_page(row)
    can_write = may(request.user, row["cluster"], WRITE_ROLES) and row["status"] in Plan.OPEN_STATUSES
    for indicator in page["indicators"]:
        indicator["trend"] = trend([m["value"] for m in indicator["measurements"]], indicator["target_value"])
    context = {
        **page,
        "cluster": Cluster(pk=row["cluster"], name=row["cluster_name"]),  # for the header; no query
        "can_write": can_write,
        "money_charts": [(block, money_chart(block)) for block in page["money"]],
        "history": [readable_event(event) for event in page["history"]],
        "here": request.get_full_path(),
    }
    return render(request, "projects/plan.html", context)


# --- The history, readable: who, when, what (old -> new) -----------------------------------


@lru_cache(maxsize=64)
def _model(object_type: str) -> Any:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: Any, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value(field: Any, value: Any) -> Any:
    """A choice shows its label ("in progress", not "in_progress"); other values as stored."""
    if field is not None and getattr(field, "choices", None) and value is not None:
        return dict(field.flatchoices).get(value, value)
    return value


def readable_event(event: dict[str, Any]) -> dict[str, Any]:
    """Who, when and what; a creation is named, not listed field by field, and links to other
    rows (stored as ids) are left out of the changes shown: the full record is in the audit."""
    model = _model(event["object_type"])
    changes = []
    items = event["changes"].items() if isinstance(event["changes"], dict) else []
    for name, pair in items if event["action"] != "create" else []:
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        field = _field(model, name)
        if field is not None and field.is_relation:
            continue
        label = str(field.verbose_name) if field is not None and hasattr(field, "verbose_name") else name
        changes.append({"label": label, "old": _value(field, old), "new": _value(field, new)})
    return {
        **event,
        "who": event["actor_label"],
        "source_label": SOURCE_LABELS.get(event["source"], event["source"]),
        "verb": ACTION_LABELS.get(event["action"], event["action"]),
        "type_label": str(model._meta.verbose_name) if model is not None else event["object_type"],
        "changes_shown": changes[:CHANGES_SHOWN],
        "changes_more": max(0, len(changes) - CHANGES_SHOWN),
    }
