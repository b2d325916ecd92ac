"""What the plan page's template needs beyond the selector's rows: presentation only.

Per-row values that would otherwise cost a template tag per row (status badges, action
URLs, percentages, ISO dates for date inputs) are computed once here, so a plan of 200
projects renders in a few milliseconds; the history is made readable (who, when, what).
No rule and no query lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from plans.models import Source
from plans.templatetags.pmc import money, status_badge

from .charts import money_chart, trend

ACTIONS = ("start", "complete", "reschedule", "update")
_SENTINEL = 987654321  # a path id that reverse() fills, replaced by each row's id


def _url_maker(name: str, kwarg: str = "milestone_id") -> Callable[[int], str]:
    """One reverse() per action and page instead of one per row (they cost ~50 us each)."""
    head, tail = reverse(name, kwargs={kwarg: _SENTINEL}).split(str(_SENTINEL))
    return lambda pk: f"{head}{pk}{tail}"


def _date_texts() -> Callable[[Any], str]:
    """Short dates in the page's language, each distinct date formatted once."""
    done: dict[Any, str] = {}

    def text(day: Any) -> str:
        if day not in done:
            done[day] = date_format(day, "SHORT_DATE_FORMAT")
        return done[day]

    return text


def _badges(kind: str, rows: list[dict[str, Any]]) -> None:
    rendered: dict[str, str] = {}
    for row in rows:
        status = row["status"]
        if status not in rendered:
            rendered[status] = status_badge(status, kind)
        row["badge"] = rendered[status]


# The page's longest list (a plan may have hundreds of projects) is built here rather than in a
# template loop: the same markup, every value escaped by format_html, several times faster.
PROJECT_ROW = (
    '<tr><th scope="row"><a href="{}"><span class="code">{}</span> {}</a></th><td>{}</td><td><span class="progress">'
    '<progress max="100" value="{}" aria-label="{}"></progress> <span class="progress-text">{} %</span></span>'
    "</td><td>{} / {}</td><td>{}</td></tr>"
)
LATE = '<strong class="late">{}</strong>'


def project_rows(projects: list[dict[str, Any]]) -> SafeString:
    label = gettext("Progress of %(code)s")
    url = _url_maker("projects:project", "project_id")
    return format_html_join("\n", PROJECT_ROW, (
        (url(p["id"]), p["code"], p["title"], p["badge"], format(p["progress"], "f"), label % {"code": p["code"]},
         int(p["progress"].to_integral_value()), p["milestone_counts"]["completed"], p["milestone_counts"]["total"],
         format_html(LATE, n) if (n := p["milestone_counts"]["overdue"]) else "0")
        for p in projects
    ))


def _money_texts(block: dict[str, Any]) -> None:
    """Each amount formatted once (it shows in the chart, its description and the table)."""
    currency = block["currency"]
    for row in [*block["sources"], block["total"]]:
        row["text"] = {key: money(row[key], currency) for key in ("budget", "executed", "pending")}


MILESTONE_ROW = (
    '<tr id="milestone-{}"><th scope="row"><a href="{}">{}</a></th><td><span class="code">{}</span> {}</td><td>{}</td>'
    "<td>{}</td><td>{}</td><td>{}</td>{}</tr>"
)
START_FORM = (
    '<form method="post" action="{}" class="inline-form"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    '<input type="hidden" name="version" value="{}"><input type="hidden" name="next" value="{}">'
    '<button type="submit" class="btn btn-small">{}<span class="sr-only">: {}</span></button></form>'
)
ACTION_LINK = (
    '<a class="btn btn-small {}-action" href="{}" hx-get="{}" hx-target="#inline-{}">{}'
    '<span class="sr-only">: {}</span></a>'
)
SLOT = '<div id="inline-{}" class="inline-slot" aria-live="polite"></div>'


def milestone_rows(rows: list[dict[str, Any]], *, late: bool, write: dict[str, str] | None) -> SafeString:
    """The rows of a milestones table; `write` (the CSRF token and where to come back) adds
    the actions: start (a button), complete, reschedule and a note (links htmx opens in the row)."""
    t = {"baseline": gettext("baseline"), "today": gettext("today"), "start": gettext("Start"),
         "complete": gettext("Complete"), "reschedule": gettext("Reschedule"), "update": gettext("Post a note")}
    out = []
    for m in rows:
        pk, title = m["id"], m["title"]
        due = (format_html('{}<br><span class="muted">{} {}</span>', m["due_text"], t["baseline"], m["baseline_text"])
               if m["rescheduled"] else m["due_text"])
        days = format_html(LATE, m["days_text"]) if late else (m["days_text"] if m["days_left"] else t["today"])
        actions: Any = ""
        if write is not None:
            start = (format_html(START_FORM, m["urls"]["start"], write["csrf"], m["version"], write["here"],
                                 t["start"], title) if m["status"] == "pending" else "")
            links = format_html_join(" ", ACTION_LINK, (
                (name, m["urls"][name] + write["back"], m["urls"][name] + write["back"], pk, t[name], title)
                for name in ("complete", "reschedule", "update")
            ))
            actions = format_html('<td class="actions">{} {} {}</td>', start, links, format_html(SLOT, pk))
        out.append(format_html(MILESTONE_ROW, pk, m["urls"]["page"], title, m["project_code"], m["project_title"],
                               m["responsible_name"] or "—", due, days, m["badge"], actions))
    return format_html_join("\n", "{}", ((row,) for row in out))


def present(page: dict[str, Any], *, here: str, can_write: bool, csrf_token: str) -> dict[str, Any]:
    """The selector's page plus what the template draws from it; `here` is where actions return."""
    makers = {name: _url_maker(f"projects:milestone-{name}") for name in ACTIONS}
    makers["page"] = _url_maker("projects:milestone")
    short = _date_texts()
    for row in [*page["milestones_overdue"], *page["milestones_due_soon"]]:
        row["urls"] = {name: make(row["id"]) for name, make in makers.items()}
        row["due_text"] = short(row["due_date"])
        row["baseline_text"] = short(row["baseline_due_date"])
        days = row["days_late"] or row["days_left"]
        row["days_text"] = ngettext("%(days)s day", "%(days)s days", days) % {"days": days}
    _badges("milestone", [*page["milestones_overdue"], *page["milestones_due_soon"]])
    write = {"csrf": csrf_token, "here": here, "back": "?" + urlencode({"next": here})} if can_write else None
    _badges("project", page["projects"])
    for line in page["lines"]:
        line["rows"] = project_rows(line["projects"])
    charts = []
    for block in page["money"]:
        _money_texts(block)
        chart = money_chart(block)
        for group, source in zip(chart.groups, block["sources"], strict=True):
            for bar in group.bars:
                bar.text = source["text"][bar.measure]
        charts.append((block, chart))
    for indicator in page["indicators"]:
        indicator["trend"] = trend([m["value"] for m in indicator["measurements"]], indicator["target_value"])
    return {
        **page,
        "can_write": can_write,
        "overdue_html": milestone_rows(page["milestones_overdue"], late=True, write=write),
        "due_soon_html": milestone_rows(page["milestones_due_soon"], late=False, write=write),
        "money_charts": charts,
        "history": [readable_event(event) for event in page["history"]],
    }


# --- The history, readable: who, when, what (old -> new) -----------------------------------

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
    when = localtime(event["occurred_at"])
    return {
        **event,
        "when_iso": when.isoformat(),
        "when_text": date_format(when, "DATETIME_FORMAT"),
        "who": event["actor_label"],
        "source_label": SOURCE_LABELS.get(event["source"], event["source"]),
        "verb": ACTION_LABELS.get(event["action"], event["action"]),
        "type_label": str(model._meta.verbose_name) if model is not None else event["object_type"],
        "changes_shown": changes[:CHANGES_SHOWN],
        "changes_more": max(0, len(changes) - CHANGES_SHOWN),
    }
