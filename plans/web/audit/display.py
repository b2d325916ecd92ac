"""History events and compare entries made readable for the workbench pages.

Labels come from plans/audit/timeline.py (`type_label`, `change_list`, `object_label`), so the
API and the pages name things alike; here the values are dressed for people: choice labels,
dates and times in the cluster's zone, money with its currency, yes/no, related rows by id.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from plans.audit import timeline
from plans.models import HistoryEvent, Source
from plans.templatetags.pmc import money

from .registry import money_fields, object_url

EMPTY = "—"
SHORT_HASH = 12
ACTION_LABELS = {
    "create": _("Created"),
    "update": _("Changed"),
    "transition": _("Status changed"),
    "complete": _("Completed"),
    "reschedule": _("Rescheduled"),
    "cancel": _("Cancelled"),
    "hold": _("Held"),
    "delete": _("Deleted"),
    "position": _("Position recorded"),
    "append": _("Added"),
    "bulk_write": _("Bulk load"),
}
SOURCE_LABELS = dict(Source.choices)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action.replace("_", " ")))


@lru_cache(maxsize=256)
def _field(object_type: str, name: str) -> models.Field[Any, Any] | None:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _plain(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def format_value(object_type: str, name: str, value: Any, *, zone: zoneinfo.ZoneInfo, currency: str = "") -> str:
    """One recorded value (canonical JSON form, as the history keeps it) for a person."""
    if value is None or value == "":
        return EMPTY
    model_field = _field(object_type, name)
    if model_field is None:
        return _plain(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return str(_("yes") if value else _("no"))
    if model_field.is_relation:
        related = model_field.related_model  # a row by id: its name would cost a query per event
        label = str(related._meta.verbose_name) if isinstance(related, type) else ""
        return f"{label} #{value}".strip()
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        return date_format(moment.astimezone(zone), "DATETIME_FORMAT") if moment else value
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        return date_format(day, "DATE_FORMAT") if day else value
    if name in money_fields(object_type):
        return money(value, currency) if currency else money(value, "")
    if isinstance(model_field, models.DecimalField):
        try:
            return number_format(Decimal(str(value)), use_l10n=True, force_grouping=True)
        except InvalidOperation:
            return _plain(value)
    return _plain(value)


def local_time(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dict[str, str]:
    here = moment.astimezone(zone)
    return {"iso": here.isoformat(), "text": date_format(here, "DATETIME_FORMAT")}


def just_before(moment: dt.datetime) -> str:
    """The ISO instant one microsecond before `moment`, in UTC: the as-of replay includes events
    at or before its instant, so this one is left out."""
    return (moment - dt.timedelta(microseconds=1)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plan_as_of_url(plan_id: int, moment: dt.datetime) -> str:
    """The plan page as it stood just before `moment` ("" when the plan page is not installed)."""
    base = object_url("plans.plan", plan_id)
    return f"{base}?{urlencode({'as_of': just_before(moment)})}" if base else ""


# --- Currencies of the money fields on one page: from the event, else one query per type ----


def _currency_from_changes(path: str, changes: dict[str, Any]) -> str | None:
    pair = changes.get(path) if path and "__" not in path else None
    if isinstance(pair, list) and len(pair) == 2:
        return str(pair[1] or pair[0] or "") or None
    return None


def currencies(items: Iterable[tuple[str, int | None, dict[str, Any]]]) -> dict[tuple[str, int], str]:
    """(object type, id) -> currency of its money fields, for the objects among `items`
    (object type, object id, changes) whose changes hold money. The event's own currency
    change wins; the rest is read from the current rows, one query per object type."""
    found: dict[tuple[str, int], str] = {}
    wanted: dict[str, set[int]] = defaultdict(set)
    for object_type, object_id, changes in items:
        fields = money_fields(object_type)
        if object_id is None or not fields or not isinstance(changes, dict) or not set(fields) & set(changes):
            continue
        path = next(iter(fields.values()))
        own = _currency_from_changes(path, changes)
        if own:
            found[(object_type, object_id)] = own
        elif path:
            wanted[object_type].add(object_id)
    for object_type, ids in wanted.items():
        path = next(iter(money_fields(object_type).values()))
        try:
            model = apps.get_model(object_type)
        except (LookupError, ValueError):
            continue
        for pk, currency in model._default_manager.filter(pk__in=ids).values_list("pk", path):
            found.setdefault((object_type, pk), str(currency or ""))
    return found


# --- Rows for the templates -----------------------------------------------------------------


@dataclass
class ChangeRow:
    field: str
    label: str
    old: str
    new: str


@dataclass
class EventRow:
    event: HistoryEvent
    when: dict[str, str]
    who: str
    source: str
    action: str
    object_type: str
    object_label: str
    object_url: str
    changes: list[ChangeRow]
    before_url: str
    short_hash: str
    context: str = ""


def change_rows(
    object_type: str, changes: Any, *, zone: zoneinfo.ZoneInfo, currency: str = "",
) -> list[ChangeRow]:
    """timeline.change_list's field, label, old and new, with the values dressed."""
    return [
        ChangeRow(
            field=item["field"], label=item["label"],
            old=format_value(object_type, item["field"], item["old"], zone=zone, currency=currency),
            new=format_value(object_type, item["field"], item["new"], zone=zone, currency=currency),
        )
        for item in timeline.change_list(object_type, changes)
    ]


def event_rows(events: list[HistoryEvent], *, zone: zoneinfo.ZoneInfo) -> list[EventRow]:
    currency_of = currencies((e.object_type, e.object_id, e.changes) for e in events)
    rows = []
    for event in events:
        key = (event.object_type, event.object_id or 0)
        rows.append(EventRow(
            event=event,
            when=local_time(event.occurred_at, zone),
            who=event.actor_label,
            source=str(SOURCE_LABELS.get(event.source, event.source)),
            action=action_label(event.action),
            object_type=timeline.type_label(event.object_type),
            object_label=event.object_repr,
            object_url="" if event.action == "delete" else object_url(event.object_type, event.object_id,
                                                                        event.plan_id),
            changes=change_rows(event.object_type, event.changes, zone=zone, currency=currency_of.get(key, "")),
            before_url=plan_as_of_url(event.plan_id, event.occurred_at) if event.plan_id else "",
            short_hash=event.hash[:SHORT_HASH],
            context=json.dumps(event.context, ensure_ascii=False, sort_keys=True, indent=1)
            if event.outside_app and event.context else "",
        ))
    return rows


@dataclass
class CompareRow:
    object_type: str
    object_label: str
    object_url: str
    actions: list[str]
    events: int
    outside_app: bool
    changes: list[ChangeRow]


def compare_sections(result: dict[str, Any], *, plan_id: int, zone: zoneinfo.ZoneInfo) -> dict[str, list[CompareRow]]:
    """asof.compare's objects in three lists: created, changed, deleted (created and then
    deleted between the two moments: deleted)."""
    objects = result["objects"]
    currency_of = currencies(
        (o["object_type"], o["object_id"], {c["field"]: [c["old"], c["new"]] for c in o["changes"]}) for o in objects
    )
    sections: dict[str, list[CompareRow]] = {"created": [], "changed": [], "deleted": []}
    for entry in objects:
        object_type, object_id = entry["object_type"], entry["object_id"]
        pairs = {c["field"]: [c["old"], c["new"]] for c in entry["changes"]}
        row = CompareRow(
            object_type=entry["object_type_label"],
            object_label=entry["object_label"] or (f"#{object_id}" if object_id is not None else ""),
            object_url="" if entry["deleted"] else object_url(object_type, object_id, plan_id),
            actions=[action_label(a) for a in entry["actions"]],
            events=entry["events"],
            outside_app=entry["outside_app"],
            changes=change_rows(object_type, pairs, zone=zone,
                                currency=currency_of.get((object_type, object_id or 0), "")),
        )
        kind = "deleted" if entry["deleted"] else "created" if entry["created"] else "changed"
        sections[kind].append(row)
    return sections
