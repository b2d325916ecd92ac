"""What the plan page's template needs beyond the selector's rows: presentation only.

Per-row values that would otherwise cost a template tag per row (status badges, action
URLs, percentages, ISO dates for date inputs) are computed once here, so a plan of 200
projects renders in a few milliseconds; the history is made readable (who, when, what).
No rule and no query lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from html import escape as html_escape
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.safestring import SafeString
from django.utils.text import capfirst
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
# template loop: the same markup, every value escaped, several times faster. Plain `str` values
# go through the standard library's escape (Django's `escape` wraps it for lazy strings and
# SafeStrings, ~5x the cost per call); badges are built once per status and inserted as they are.
PROJECT_ROW = (
    '<tr><th scope="row"><a href="{url}"><span class="code">{code}</span> {title}</a></th><td>{badge}</td>'
    '<td><span class="progress"><progress max="100" value="{progress}" aria-label="{label}"></progress> '
    '<span class="progress-text">{percent} %</span></span></td><td>{done} / {total}</td><td>{late}</td></tr>'
)
LATE = '<strong class="late">{}</strong>'


def esc(value: Any) -> str:
    """HTML-escaped text of a plain value (quotes included, as Django's escape)."""
    return html_escape(str(value), quote=True)


def built(parts: list[str]) -> SafeString:
    """Markup built here: constant templates whose every value went through `esc` (or is a
    SafeString of Django's: badges, or a number), joined by line."""
    # Safe by construction (above): no value reaches the markup without esc.
    return SafeString("\n".join(parts))  # nosec B703


def project_rows(projects: list[dict[str, Any]]) -> SafeString:
    label = gettext("Progress of %(code)s")
    url = _url_maker("projects:project", "project_id")
    rows = []
    for p in projects:
        counts, code = p["milestone_counts"], esc(p["code"])
        overdue = counts["overdue"]
        rows.append(PROJECT_ROW.format(
            url=url(p["id"]), code=code, title=esc(p["title"]), badge=p["badge"], progress=format(p["progress"], "f"),
            label=esc(label % {"code": p["code"]}), percent=int(p["progress"].to_integral_value()),
            done=counts["completed"], total=counts["total"], late=LATE.format(overdue) if overdue else "0",
        ))
    return built(rows)


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
    t = {key: esc(text) for key, text in (
        ("baseline", gettext("baseline")), ("today", gettext("today")), ("start", gettext("Start")),
        ("complete", gettext("Complete")), ("reschedule", gettext("Reschedule")), ("update", gettext("Post a note")),
    )}
    if write is not None:
        csrf, here, back = esc(write["csrf"]), esc(write["here"]), esc(write["back"])
    out = []
    for m in rows:
        pk, title = m["id"], esc(m["title"])
        due_text = esc(m["due_text"])
        due = (f'{due_text}<br><span class="muted">{t["baseline"]} {esc(m["baseline_text"])}</span>'
               if m["rescheduled"] else due_text)
        days_text = esc(m["days_text"])
        days = LATE.format(days_text) if late else (days_text if m["days_left"] else t["today"])
        actions = ""
        if write is not None:
            urls = m["urls"]
            start = (START_FORM.format(urls["start"], csrf, m["version"], here, t["start"], title)
                     if m["status"] == "pending" else "")
            links = " ".join(ACTION_LINK.format(name, urls[name] + back, urls[name] + back, pk, t[name], title)
                             for name in ("complete", "reschedule", "update"))
            actions = f'<td class="actions">{start} {links} {SLOT.format(pk)}</td>'
        out.append(MILESTONE_ROW.format(pk, m["urls"]["page"], title, esc(m["project_code"]), esc(m["project_title"]),
                                        esc(m["responsible_name"] or "—"), due, days, m["badge"], actions))
    return built(out)


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
    history = [readable_event(event) for event in page["history"]]
    for indicator in page["indicators"]:
        indicator["trend"] = trend([m["value"] for m in indicator["measurements"]], indicator["target_value"])
    return {
        **page,
        "can_write": can_write,
        "overdue_html": milestone_rows(page["milestones_overdue"], late=True, write=write),
        "due_soon_html": milestone_rows(page["milestones_due_soon"], late=False, write=write),
        "money_charts": charts,
        "money_html": money_html(charts),
        "history": history,
        "history_html": history_html(history),
    }


# --- Money: per currency, the chart (SVG) and the table with the same figures ---------------

MONEY_BLOCK = (
    '<h3 id="money-{cur}">{heading}</h3>\n<figure class="money-figure">'
    '<svg class="money-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
    'aria-labelledby="money-{cur}-t money-{cur}-d" preserveAspectRatio="xMinYMin meet">'
    '<title id="money-{cur}-t">{title}</title><desc id="money-{cur}-d">{desc}</desc>{shapes}</svg>'
    '<figcaption class="chart-legend" aria-hidden="true"><span><span class="swatch bar-budget"></span>{budgeted}'
    '</span> <span><span class="swatch bar-executed"></span>{executed}</span> <span><span class="swatch '
    'bar-pending"></span>{pending}</span></figcaption></figure>\n<div class="table-wrap"><table class="table '
    'money-table" aria-labelledby="money-{cur}"><thead><tr><th scope="col">{h_source}</th><th scope="col" '
    'class="num">{h_budget}</th><th scope="col" class="num">{h_executed}</th><th scope="col" class="num">'
    '{h_pending}</th></tr></thead><tbody>{rows}</tbody><tfoot>{total}</tfoot></table></div>'
)
MONEY_ROW = '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>'
GROUP_LABEL = '<text class="chart-label" x="0" y="{}">{}</text>'
BAR = ('<rect class="bar bar-{}" x="{}" y="{}" width="{}" height="{}"></rect>'
       '<text class="chart-value" x="{}" y="{}">{}</text>')


def money_html(charts: list[tuple[dict[str, Any], Any]]) -> SafeString:
    """The money section's blocks, built here as the project rows are (a loop of loops in a
    template costs more than the rest of the section); SVG coordinates are plain integers."""
    words = {key: esc(text) for key, text in (
        ("budgeted", gettext("budgeted")), ("executed", gettext("executed")), ("pending", gettext("pending")),
        ("h_source", gettext("Funding source")), ("h_budget", gettext("Budgeted")),
        ("h_executed", gettext("Executed")), ("h_pending", gettext("Pending")),
    )}
    out = []
    for block, chart in charts:
        cur = esc(block["currency"])
        labels = [esc(capfirst(str(s["label"]))) for s in block["sources"]]
        desc = " ".join(
            f'{label}: {words["budgeted"]} {esc(s["text"]["budget"])}, {words["executed"]} '
            f'{esc(s["text"]["executed"])}, {words["pending"]} {esc(s["text"]["pending"])}.'
            for label, s in zip(labels, block["sources"], strict=True)
        )
        shapes = "".join(
            GROUP_LABEL.format(group.label_y, label) + "".join(
                BAR.format(bar.measure, bar.x, bar.y, bar.width, bar.height, bar.text_x, bar.text_y, esc(bar.text))
                for bar in group.bars
            )
            for label, group in zip(labels, chart.groups, strict=True)
        )
        rows = "".join(
            MONEY_ROW.format(label, esc(s["text"]["budget"]), esc(s["text"]["executed"]), esc(s["text"]["pending"]))
            for label, s in zip(labels, block["sources"], strict=True)
        )
        total = block["total"]["text"]
        out.append(MONEY_BLOCK.format(
            cur=cur, width=chart.width, height=chart.height, shapes=shapes, desc=desc, rows=rows,
            heading=esc(gettext("Amounts in %(currency)s") % {"currency": block["currency"]}),
            title=esc(gettext("Budgeted, executed and pending per funding source, in %(currency)s")
                      % {"currency": block["currency"]}),
            total=MONEY_ROW.format(esc(gettext("Total")), esc(total["budget"]), esc(total["executed"]),
                                   esc(total["pending"])),
            **words,
        ))
    return built(out)


# --- The history list ---------------------------------------------------------------------

EVENT_ITEM = (
    '<li id="event-{id}"><p><time datetime="{when_iso}">{when_text}</time> · <strong>{who}</strong> {verb} '
    '{type_label} <q>{object_repr}</q></p>{changes}{reason}</li>'
)


def history_html(events: list[dict[str, Any]]) -> SafeString:
    """The readable events as list items (the section's one loop, built here)."""
    reason_label = esc(gettext("Reason:"))
    out = []
    for e in events:
        changes = ""
        if e["changes_shown"]:
            items = [
                f'<li>{esc(capfirst(c["label"]))}: {"" if c["old"] is None else esc(localize(c["old"])) + " → "}'
                f'{"—" if c["new"] is None else esc(localize(c["new"]))}</li>'
                for c in e["changes_shown"]
            ]
            if e["changes_more"]:
                more = ngettext("and %(n)s more change", "and %(n)s more changes", e["changes_more"])
                items.append(f'<li class="muted">{esc(more % {"n": e["changes_more"]})}</li>')
            changes = f'<ul class="changes">{"".join(items)}</ul>'
        who = e["who"] or gettext("system (%(source)s)") % {"source": e["source_label"]}
        out.append(EVENT_ITEM.format(
            id=e["id"], when_iso=esc(e["when_iso"]), when_text=esc(e["when_text"]), who=esc(who), verb=esc(e["verb"]),
            type_label=esc(e["type_label"]), object_repr=esc(e["object_repr"]), changes=changes,
            reason=f'<p class="muted">{reason_label} {esc(e["reason"])}</p>' if e["reason"] else "",
        ))
    return built(out)


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
