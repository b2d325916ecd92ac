"""Selectors and shaping for reading the history: a plan's timeline, its filters, labels.

Reads only `HistoryEvent`; object types of other apps ("projects.milestone") are labelled
through the app registry, so plans imports nothing from projects.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from plans.errors import ValidationFailed
from plans.models import HistoryEvent

from .verify import CONTENT_COLUMNS


def parse_instant(value: str | None, name: str, *, end_of_day: bool = False) -> dt.datetime | None:
    """An ISO 8601 datetime (or date) from a query parameter; 400 with the parameter named.

    A date means its start (or, for upper bounds, its end); a naive time is read in the
    server's time zone.
    """
    if value is None or value == "":
        return None
    text = value.strip().replace(" ", "+") if "T" in value else value.strip()
    try:
        # A date first: parse_datetime reads "2012-09-21" as its midnight (datetime.fromisoformat),
        # which would end an `until` day at its start.
        day = parse_date(text)
        parsed = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min) if day else parse_datetime(text)
        if parsed is None:
            raise ValueError(text)
    except ValueError as exc:
        raise ValidationFailed(
            _("“%(value)s” is not a valid date and time (use ISO 8601, e.g. 2012-09-20T08:30:00-03:00).")
            % {"value": value[:60]},
            errors={name: [_("Enter a date and time in ISO 8601 format.")]},
        ) from exc
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        # Queried in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts, and a
        # moment outside years 1-9999 in UTC does not exist.
        parsed = parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError) as exc:
        raise ValidationFailed(
            _("“%(value)s” is out of range.") % {"value": value[:60]},
            errors={name: [_("Enter a date and time between the years 1 and 9999.")]},
        ) from exc
    return parsed


def plan_events(plan_id: int) -> QuerySet[HistoryEvent]:
    """The plan's own events and those of everything in it (events carry plan_id)."""
    return HistoryEvent.objects.filter(plan_id=plan_id)


def filter_events(qs: QuerySet[HistoryEvent], params: Any) -> QuerySet[HistoryEvent]:
    """Apply the timeline filters: since, until, actor (id or username), object_type, action, source,
    q (text in the object's name, the reason or the actor's name)."""
    since = parse_instant(params.get("since"), "since")
    until = parse_instant(params.get("until"), "until", end_of_day=True)
    if since and until and since > until:
        raise ValidationFailed(
            _("“since” must not be after “until”."), errors={"since": [_("Must not be after “until”.")]}
        )
    if since:
        qs = qs.filter(occurred_at__gte=since)
    if until:
        qs = qs.filter(occurred_at__lte=until)
    actor = (params.get("actor") or "").strip()
    if actor:
        if actor.isascii() and actor.isdigit():
            qs = qs.filter(actor_id=int(actor)) if int(actor) < 2**63 else qs.none()
        else:
            qs = qs.filter(actor_label=actor)
    for name in ("object_type", "action", "source"):
        values = [v.strip().lower() for v in (params.get(name) or "").split(",") if v.strip()]
        if values:
            qs = qs.filter(**{f"{name}__in": values})
    text = (params.get("q") or "").strip()[:200]
    if text:
        # What a person reads on the event: the object's name, the reason, who.
        qs = qs.filter(Q(object_repr__icontains=text) | Q(reason__icontains=text) | Q(actor_label__icontains=text))
    return qs


@lru_cache(maxsize=128)
def _model(object_type: str) -> Any:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def type_label(object_type: str) -> str:
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def field_label(object_type: str, name: str) -> str:
    model = _model(object_type)
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def object_label(event: HistoryEvent) -> str:
    label = type_label(event.object_type)
    if event.object_repr:
        return f"{label} “{event.object_repr}”"
    return f"{label} #{event.object_id}" if event.object_id is not None else label


def change_list(object_type: str, changes: Any) -> list[dict[str, Any]]:
    """{"field": [old, new]} -> [{"field", "label", "old", "new"}] in field order."""
    if not isinstance(changes, dict):
        return []
    out = []
    for name, pair in changes.items():
        old, new = (pair[0], pair[1]) if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        out.append({"field": name, "label": field_label(object_type, name), "old": old, "new": new})
    return out


def event_as_dict(event: HistoryEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "sequence": event.pk,
        "chain_id": event.chain_id,
        "chain_seq": event.chain_seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "source": event.source,
        "action": event.action,
        "object_type": event.object_type,
        "object_type_label": type_label(event.object_type),
        "object_id": event.object_id,
        "object_label": object_label(event),
        "plan": event.plan_id,
        "changes": change_list(event.object_type, event.changes),
        "reason": event.reason,
        "context": event.context,
        "outside_app": event.outside_app,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


__all__ = ["CONTENT_COLUMNS", "event_as_dict", "filter_events", "parse_instant", "plan_events"]
