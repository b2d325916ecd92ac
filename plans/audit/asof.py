"""The plan as it stood at a moment, rebuilt from its history, and what changed between two.

Replay: the plan's events up to the instant, oldest first; a create starts an object from
its model's field defaults plus the recorded values, update/transition/reschedule/complete
(any other action with changes) applies the new values, delete removes it. Objects are
plain dicts keyed by field name (foreign keys by id, as recorded), so project and milestone
events are handled generically: plans never imports projects, nor names its models. Which
model fills which section ("projects", "milestones") each model declares (`as_of_section`).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.db.models import NOT_PROVIDED

from plans.models import HistoryEvent
from plans.services.history import history_value

from .timeline import field_label, type_label

OPEN_MILESTONE = ("pending", "in_progress")


@lru_cache(maxsize=1)
def section_types() -> dict[str, str]:
    """as-of section -> the object type whose events fill it, e.g. "plan" -> "plans.plan"."""
    from plans.models import VersionedModel

    return {
        model.as_of_section: model._meta.label_lower
        for model in apps.get_models() if issubclass(model, VersionedModel) and model.as_of_section
    }


def _section(state: dict[str, dict[int, dict[str, Any]]], name: str) -> dict[int, dict[str, Any]]:
    object_type = section_types().get(name)
    return state.get(object_type, {}) if object_type else {}


@lru_cache(maxsize=32)
def _defaults(object_type: str) -> dict[str, Any]:
    """Field defaults of the model (create events record only non-empty values)."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in ("created_at", "updated_at"):
            continue
        if f.default is not NOT_PROVIDED:
            out[f.name] = history_value(f.get_default())
        elif f.null:
            out[f.name] = None
        elif f.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField", "URLField"):
            out[f.name] = ""
        else:
            out[f.name] = None
    return out


def rebuild(plan_id: int, at: dt.datetime, types: tuple[str, ...] | None = None) -> dict[str, dict[int, dict]]:
    """object_type -> {id: fields} for the plan at `at` (by default every as-of section's type).
    One streamed pass over its events."""
    if types is None:
        types = tuple(section_types().values())
    state: dict[str, dict[int, dict[str, Any]]] = {t: {} for t in types}
    events = (
        HistoryEvent.objects.filter(plan_id=plan_id, occurred_at__lte=at, object_type__in=types)
        .order_by("id")
        .values_list("object_type", "object_id", "action", "changes", "occurred_at")
        .iterator(chunk_size=2000)
    )
    for object_type, object_id, action, changes, occurred_at in events:
        if object_id is None:
            continue
        objects = state[object_type]
        if action == "delete":
            objects.pop(object_id, None)
            continue
        row = objects.get(object_id)
        if row is None:
            # An object whose first event is not its creation predates the history: partial.
            row = {"id": object_id, **_defaults(object_type), "partial": action != "create"}
            objects[object_id] = row
        if isinstance(changes, dict):
            for name, pair in changes.items():
                row[name] = pair[1] if isinstance(pair, list) and len(pair) == 2 else pair
        row["version"] = row.get("version", 0) + 1 if action != "create" else 1
        row["last_changed_at"] = occurred_at.isoformat()
    return state


def _sorted(rows: dict[int, dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return sorted(rows.values(), key=lambda r: tuple(("" if r.get(k) is None else str(r.get(k))) for k in keys))


def _order_key(row: dict[str, Any]) -> tuple[int, int]:
    order = row.get("order")
    return (order if isinstance(order, int) else 0, row["id"])


def plan_state(plan_id: int, at: dt.datetime) -> dict[str, Any]:
    """The plan with its phases, strategic lines, projects and milestones at `at`."""
    state = rebuild(plan_id, at)
    today = at.date().isoformat()
    milestones = _sorted(_section(state, "milestones"), "due_date", "id")
    for m in milestones:
        m["is_overdue"] = m.get("status") in OPEN_MILESTONE and bool(m.get("due_date")) and m["due_date"] < today
    return {
        "as_of": at.isoformat(),
        "exists": plan_id in _section(state, "plan"),
        "plan": _section(state, "plan").get(plan_id),
        "phases": sorted(_section(state, "phases").values(), key=_order_key),
        "strategic_lines": sorted(_section(state, "strategic_lines").values(), key=_order_key),
        "projects": _sorted(_section(state, "projects"), "code", "id"),
        "milestones": milestones,
        "forums": _sorted(_section(state, "forums"), "starts_at", "id"),
    }


def compare(plan_id: int, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Per object, the net change of each field between two moments (start excluded, end included)."""
    objects: dict[tuple[str, int | None], dict[str, Any]] = {}
    events = (
        HistoryEvent.objects.filter(plan_id=plan_id, occurred_at__gt=start, occurred_at__lte=end)
        .order_by("id")
        .values_list("id", "object_type", "object_id", "object_repr", "action", "changes", "outside_app")
        .iterator(chunk_size=2000)
    )
    for pk, object_type, object_id, label, action, changes, outside in events:
        entry = objects.setdefault((object_type, object_id), {
            "object_type": object_type, "object_type_label": type_label(object_type), "object_id": object_id,
            "object_label": "", "actions": [], "events": 0, "first_event": pk, "outside_app": False, "fields": {},
        })
        entry["object_label"] = label or entry["object_label"]
        entry["events"] += 1
        entry["outside_app"] = entry["outside_app"] or outside
        if action not in entry["actions"]:
            entry["actions"].append(action)
        for name, pair in (changes or {}).items():
            old, new = (pair[0], pair[1]) if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            field = entry["fields"].setdefault(name, {"old": old})
            field["new"] = new
    result = []
    for (object_type, _object_id), entry in objects.items():
        fields = entry.pop("fields")
        entry["created"] = "create" in entry["actions"]
        entry["deleted"] = "delete" in entry["actions"]
        entry["changes"] = [
            {"field": name, "label": field_label(object_type, name), "old": v["old"], "new": v["new"]}
            for name, v in fields.items() if v["old"] != v["new"]
        ]
        result.append(entry)
    result.sort(key=lambda e: e["first_event"])
    return {"from": start.isoformat(), "to": end.isoformat(), "objects": result}
