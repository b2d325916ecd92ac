"""The plan report for the annual assembly and the lender: reads only, live or as of a moment.

`plan_report(row)` is built from the plan page's own selectors (projects.selectors:
`plan_dashboard` for phases, lines, projects and counts, `plan_money` for the money table,
`plan_indicators`, `open_agreements`, the milestone list rules), plus what only the report
lists: every forum with its attendance counts, every agreement with its tally, every overdue
milestone, and the cluster's chain head. A fixed number of queries at any plan size.

`plan_report_as_of(row, at)` rebuilds the same shape from the history in one streamed pass
(plans.audit.asof.rebuild): rows come back typed (dates, decimals) so one template shows both.
Progress is recomputed from the milestones of the moment (it is derived data and has no events
of its own, see projects/services/progress.py), executed amounts are the sum of the
expenditures recorded by then (the line's `executed` is that sum, kept by expenditure_record).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from plans.audit.asof import rebuild
from plans.consensus import count_positions
from plans.models import (
    Agreement,
    Forum,
    ForumAttendance,
    HistoryChainHead,
    HistoryEvent,
    Phase,
    Plan,
    Position,
    Stakeholder,
    StrategicLine,
)
from projects import selectors
from projects.models import Expenditure, FundingLine, Indicator, Measurement, Milestone, Project

OPEN_MILESTONES = tuple(Milestone.OPEN_STATUSES)
# The most overdue milestones listed (their total is always given): a printed list of a thousand
# rows helps no assembly, and long tables are what costs WeasyPrint most (docs/benchmarks.md).
OVERDUE_LISTED = 100
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


PAGE_SECTION_MODELS: tuple[type[models.Model], ...] = (
    FundingLine, Expenditure, Indicator, Measurement, Project, Agreement, Position, Forum,
)


def page_sections_as_of(plan_id: int, at: dt.datetime) -> dict[str, Any]:
    """The plan page's money, indicators and open agreements as they stood at `at`, rebuilt from
    the history as the report does (the quorum of an open agreement then is not rebuilt: the
    members' own history is the cluster's, not the plan's)."""
    state = rebuild(plan_id, at, types=tuple(_label(m) for m in PAGE_SECTION_MODELS))
    rows = {model: [_typed(model, r) for r in state[_label(model)].values()] for model in PAGE_SECTION_MODELS}
    agreements = [
        {**a, "tally": a["counts"], "quorum_unknown": True}
        for a in _agreements_as_of(rows[Agreement], rows[Position], rows[Forum])
        if a.get("status") == Agreement.Status.OPEN
    ]
    return {
        "money": money_by_source(_funding_as_of(rows[FundingLine], rows[Expenditure])),
        "indicators": _indicators_as_of(rows[Indicator], rows[Measurement], rows[Project]),
        "open_agreements": agreements,
    }


# --- Live --------------------------------------------------------------------------------------


def plan_report(row: dict[str, Any], *, user: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """The report of the plan as it stands now (`row` from selectors.plan_row_visible)."""
    board = selectors.plan_dashboard(row, now=now)
    now = board["generated_at"]
    on = timezone.localdate(now)
    plan_id, cluster_id = row["id"], row["cluster"]
    overdue = selectors.milestone_filter(selectors.plan_milestone_rows(user, plan_id, on=on), overdue=True, on=on)
    open_tallies = {a["id"]: a for a in selectors.open_agreements(plan_id, cluster_id=cluster_id)}
    return {
        "plan": row,
        "phases": board["phases"],
        "lines": _projects_by_line(board["strategic_lines"], board["projects"]),
        "project_count": len(board["projects"]),
        "milestone_counts": board["milestone_counts"],
        "money": selectors.plan_money(plan_id),  # the plan page's money table, the same figures
        "indicators": selectors.plan_indicators(plan_id),
        "forums": _forums(plan_id),
        "agreements": _agreements(plan_id, open_tallies),
        "overdue": [_overdue_row(m, on) for m in overdue[:OVERDUE_LISTED]],
        "chain": _head(cluster_id),
        "as_of": None,
        "on": on,
        "generated_at": now,
    }


def _projects_by_line(lines: list[dict[str, Any]], projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Strategic lines in order, each with its projects; projects without a line come last."""
    by_line: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for project in projects:
        by_line[project.get("strategic_line")].append(project)
    grouped = [{**line, "projects": by_line.pop(line["id"], [])} for line in lines]
    orphans = [p for projects_of in by_line.values() for p in projects_of]  # no line, or a line gone
    if orphans:
        grouped.append({"id": None, "code": "", "title": "", "projects": orphans})
    return grouped


def _forums(plan_id: int) -> list[dict[str, Any]]:
    return list(
        Forum.objects.filter(plan_id=plan_id)
        .values("id", "title", "starts_at", "venue", "status", phase_title=F("phase__title"))
        .annotate(
            organizations=Count("attendance", filter=Q(attendance__organization__isnull=False)),
            people=Count("attendance", filter=Q(attendance__stakeholder__isnull=False)),
        )
        .order_by("starts_at", "id")
    )


AGREEMENT_FIELDS = ("id", "title", "subject", "rule", "status", "tally", "decided_at", "forum_id")


def _agreements(plan_id: int, open_tallies: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every agreement: decided ones with the tally stored when they were decided, open ones
    with the tally so far and the quorum (selectors.open_agreements, as on the plan page)."""
    rows = list(
        Agreement.objects.filter(plan_id=plan_id).values(*AGREEMENT_FIELDS, forum_title=F("forum__title"))
        .order_by("id")
    )
    for row in rows:
        found = open_tallies.get(row["id"])
        if row["status"] == Agreement.Status.OPEN and found is not None:
            row["tally"] = found["tally"]
            row["quorum"] = {key: found[key] for key in ("members", "member_positions", "quorum", "quorum_reached")}
        row["counts"] = _counts(row["tally"])
    return rows


def _counts(tally: Any) -> dict[str, int]:
    tally = tally if isinstance(tally, dict) else {}
    return {value: int(tally.get(value) or 0) for value in Position.Value.values}


def _overdue_row(m: dict[str, Any], on: dt.date) -> dict[str, Any]:
    return {
        "project_code": m.get("project_code") or "", "title": m["title"], "due_date": m["due_date"],
        "baseline_due_date": m.get("baseline_due_date"), "status": m["status"],
        "responsible_name": m.get("responsible_name") or "", "days_late": (on - m["due_date"]).days,
    }


def _head(cluster_id: int) -> dict[str, Any] | None:
    head = HistoryChainHead.objects.filter(chain_id=cluster_id).values("chain_id", "last_seq", "last_hash").first()
    if head is None or not head["last_seq"]:
        return None
    return {"chain_id": head["chain_id"], "seq": head["last_seq"], "hash": head["last_hash"]}


# --- As of a moment ----------------------------------------------------------------------------

AS_OF_MODELS: tuple[type[models.Model], ...] = (
    Plan, Phase, StrategicLine, Project, Milestone, Forum, ForumAttendance, Agreement, Position,
    FundingLine, Expenditure, Indicator, Measurement,
)


def plan_report_as_of(row: dict[str, Any], at: dt.datetime, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The report of the plan as it stood at `at`, rebuilt from its history."""
    now = now or timezone.now()
    on = timezone.localdate(at)
    state = rebuild(row["id"], at, types=tuple(_label(m) for m in AS_OF_MODELS))
    rows = {model: [_typed(model, r) for r in state[_label(model)].values()] for model in AS_OF_MODELS}
    plan_rows = [r for r in rows[Plan] if r["id"] == row["id"]]
    milestones = rows[Milestone]
    projects = sorted(rows[Project], key=lambda p: (p.get("code") or "", p["id"]))
    by_project: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for m in milestones:
        by_project[m.get("project")].append(m)
    for project in projects:
        project["progress"] = weighted_progress(by_project.get(project["id"], []))
        project["milestone_counts"] = _milestone_counts(by_project.get(project["id"], []), on)
    counting = [m for p in projects if p.get("status") != Project.Status.CANCELLED for m in by_project.get(p["id"], [])]
    plan = {**row, **(plan_rows[0] if plan_rows else {}), "cluster_name": row["cluster_name"],
            "progress": weighted_progress(counting)}
    by_order = sorted(rows[Phase], key=lambda p: (p.get("order") or 0, p["id"]))
    lines = sorted(rows[StrategicLine], key=lambda line: (line.get("order") or 0, line.get("code") or "", line["id"]))
    return {
        "plan": plan,
        "exists": bool(plan_rows),
        "phases": by_order,
        "lines": _projects_by_line(lines, projects),
        "project_count": len(projects),
        "milestone_counts": _milestone_counts(milestones, on),
        "money": money_by_source(_funding_as_of(rows[FundingLine], rows[Expenditure])),
        "indicators": _indicators_as_of(rows[Indicator], rows[Measurement], projects),
        "forums": _forums_as_of(rows[Forum], rows[ForumAttendance], rows[Phase]),
        "agreements": _agreements_as_of(rows[Agreement], rows[Position], rows[Forum]),
        "overdue": _overdue_as_of(milestones, projects, on),
        "chain": _head_at(row["cluster"], at),
        "as_of": at,
        "on": on,
        "generated_at": now,
    }


def _typed(model: type[models.Model], row: dict[str, Any]) -> dict[str, Any]:
    """History values (ISO strings, decimal strings) back to dates, datetimes and decimals;
    foreign keys keep their id under the field's name, as the history records them."""
    out = dict(row)
    for f in model._meta.concrete_fields:
        value = out.get(f.name)
        if not isinstance(value, str):
            continue
        if isinstance(f, models.DateTimeField):
            out[f.name] = parse_datetime(value)
        elif isinstance(f, models.DateField):
            out[f.name] = parse_date(value)
        elif isinstance(f, models.DecimalField):
            out[f.name] = Decimal(value)
    return out


def weighted_progress(milestones: list[dict[str, Any]]) -> Decimal:
    """projects/services/progress.py's roll-up over rows: completed weight over non-cancelled weight."""
    total = sum(int(m.get("weight") or 0) for m in milestones if m.get("status") != Milestone.Status.CANCELLED)
    done = sum(int(m.get("weight") or 0) for m in milestones if m.get("status") == Milestone.Status.COMPLETED)
    if not total:
        return ZERO
    return (HUNDRED * Decimal(done) / Decimal(total)).quantize(CENT, rounding=ROUND_HALF_UP)


def _is_overdue(m: dict[str, Any], on: dt.date) -> bool:
    due = m.get("due_date")
    return m.get("status") in OPEN_MILESTONES and due is not None and due < on


def _milestone_counts(milestones: list[dict[str, Any]], on: dt.date) -> dict[str, int]:
    soon = on + dt.timedelta(days=selectors.DUE_SOON_DAYS)
    return {
        "total": len(milestones),
        "completed": sum(1 for m in milestones if m.get("status") == Milestone.Status.COMPLETED),
        "overdue": sum(1 for m in milestones if _is_overdue(m, on)),
        "due_soon": sum(1 for m in milestones if m.get("status") in OPEN_MILESTONES and m.get("due_date")
                        and on <= m["due_date"] <= soon),
    }


def _funding_as_of(lines: list[dict[str, Any]], expenditures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    executed: dict[Any, Decimal] = defaultdict(lambda: ZERO)
    for e in expenditures:
        executed[e.get("funding_line")] += Decimal(e.get("amount") or 0)
    return [{"currency": line.get("currency"), "source": line.get("source"), "budget": Decimal(line.get("budget") or 0),
             "executed": executed.get(line["id"], ZERO)} for line in lines]


def money_by_source(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Funding lines (currency, source, budget, executed) in the shape of selectors.plan_money
    (the same shaping: per currency, each of the four sources and the currency's total)."""
    sums: dict[tuple[str, str], dict[str, Any]] = {}
    for line in lines:
        found = sums.setdefault((line["currency"], line["source"]), {
            "currency": line["currency"], "source": line["source"], "budget": ZERO, "executed": ZERO})
        found["budget"] += line["budget"]
        found["executed"] += line["executed"]
    return selectors.money_from_sums(list(sums.values()))


def _indicators_as_of(indicators: list[dict[str, Any]], measurements: list[dict[str, Any]],
                      projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    latest: dict[Any, dict[str, Any]] = {}
    for m in sorted(measurements, key=lambda m: (m.get("measured_on") or dt.date.min, m["id"])):
        latest[m.get("indicator")] = {"measured_on": m.get("measured_on"), "value": m.get("value")}
    codes = {p["id"]: p.get("code") for p in projects}
    rows = []
    for indicator in sorted(indicators, key=lambda i: (i.get("name") or "", i["id"])):
        rows.append({**indicator, "project_code": codes.get(indicator.get("project")),
                     "latest": latest.get(indicator["id"])})
    return rows


def _forums_as_of(forums: list[dict[str, Any]], attendance: list[dict[str, Any]],
                  phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    organizations: dict[Any, int] = defaultdict(int)
    people: dict[Any, int] = defaultdict(int)
    for a in attendance:
        if a.get("organization") is not None:
            organizations[a.get("forum")] += 1
        elif a.get("stakeholder") is not None:
            people[a.get("forum")] += 1
    phase_titles = {p["id"]: p.get("title") for p in phases}
    rows = [{**f, "phase_title": phase_titles.get(f.get("phase"), ""), "organizations": organizations[f["id"]],
             "people": people[f["id"]]} for f in forums]
    return sorted(rows, key=lambda f: (f.get("starts_at") or dt.datetime.min.replace(tzinfo=dt.UTC), f["id"]))


def _agreements_as_of(agreements: list[dict[str, Any]], positions: list[dict[str, Any]],
                      forums: list[dict[str, Any]]) -> list[dict[str, Any]]:
    taken: dict[Any, list[Any]] = defaultdict(list)
    for p in positions:
        taken[p.get("agreement")].append(p.get("position"))
    forum_titles = {f["id"]: f.get("title") for f in forums}
    rows = []
    for a in sorted(agreements, key=lambda a: a["id"]):
        decided = a.get("status") != Agreement.Status.OPEN
        tally = a.get("tally") if decided else count_positions(v for v in taken[a["id"]] if v in Position.Value.values)
        rows.append({**a, "tally": tally, "counts": _counts(tally), "forum_title": forum_titles.get(a.get("forum"))})
    return rows


def _overdue_as_of(milestones: list[dict[str, Any]], projects: list[dict[str, Any]],
                   on: dt.date) -> list[dict[str, Any]]:
    late = sorted((m for m in milestones if _is_overdue(m, on)), key=lambda m: (m["due_date"], m["id"]))
    codes = {p["id"]: p.get("code") for p in projects}
    names: dict[Any, str] = dict(Stakeholder.objects.filter(pk__in={m.get("responsible") for m in late} - {None})
                 .values_list("id", "name"))
    return [_overdue_row({**m, "project_code": codes.get(m.get("project")), "responsible_name":
                          names.get(m.get("responsible"))}, on) for m in late[:OVERDUE_LISTED]]


def _head_at(cluster_id: int, at: dt.datetime) -> dict[str, Any] | None:
    """The cluster's chain head as it stood at `at`: its last event by then."""
    last = (HistoryEvent.objects.filter(chain_id=cluster_id, occurred_at__lte=at).order_by("-chain_seq")
            .values("chain_id", "chain_seq", "hash").first())
    if last is None:
        return None
    return {"chain_id": last["chain_id"], "seq": last["chain_seq"], "hash": last["hash"]}

