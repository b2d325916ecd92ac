"""The plan page's reads beyond the dashboard (milestones to act on, money, indicators,
open agreements)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from plans.access import READ_ROLES
from plans.consensus import count_positions, quorum_needed
from plans.models import Agreement, HistoryChainHead, Organization, Phase, Stakeholder
from projects.models import (
    FundingLine,
    Indicator,
    Milestone,
)

from . import json_rows
from .common import DUE_SOON_DAYS, INDICATOR_FIELDS, OPEN
from .dashboard import plan_dashboard, plan_dashboard_as_of, plan_row_visible
from .prepared import Prepared

# The page people use: the dashboard plus the lists a coordinator works from (milestones to act
# on; money; indicators with their measurements; open agreements with their positions), whatever
# the number of projects, milestones, measurements or positions: lists are capped (the counts
# stay exact), sums are aggregates. The four lists ride on the plan row's query
# (`plan_row_for_page`), or cost one query each after a plain row. As of a past moment, the same
# keys come from the history (`plan_page_as_of`).

PLAN_PAGE_MILESTONE_LIMIT = 10  # each row carries its action forms: the page stays light
PLAN_PAGE_MILESTONE_FIELDS = (
    "id", "title", "due_date", "baseline_due_date", "status", "version", "project_id", "responsible__name",
)
TREND_POINTS = 12
FUNDING_SOURCES: tuple[str, ...] = tuple(FundingLine.Source.values)


def plan_page(plan_row: dict[str, Any], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the plan page shows: `plan_dashboard` plus milestones to act on, money per
    funding source, indicators with their trend and the open agreements with their tally.

    A row from `plan_row_for_page` carries those four lists already (one query fewer for each);
    a row from `plan_row_visible` has them read here, one query each."""
    now = now or timezone.now()
    on = timezone.localdate(now)
    extras = plan_row.pop("page_extras", None)
    page = _page_of(plan_dashboard(plan_row, now=now), on=on)
    plan_id = plan_row["id"]
    if extras is None or extras["on"] != on:
        extras = {
            "act_on": list(_act_on_rows_query(plan_id, on)), "money": list(_money_query(plan_id)),
            "indicators": list(_indicators_query(plan_id)),
            "agreements": list(_agreements_query(plan_id, plan_row["cluster"])),
        }
    page["milestones_overdue"], page["milestones_due_soon"] = _act_on_split(extras["act_on"], on, page["projects"])
    page["money"] = _money_from(extras["money"])
    page["indicators"] = _indicators_from(extras["indicators"])
    page["open_agreements"] = _agreements_from(extras["agreements"])
    page["partial"] = False  # every section shows the plan as it stands
    return page


def plan_row_for_page(
    user: Any, plan_id: int, roles: frozenset[str] = READ_ROLES, *, now: dt.datetime | None = None,
) -> dict[str, Any] | None:
    """`plan_row_visible` with the four lists only the page shows riding along, in the same query:
    each list's rows as one JSON array column (projects.selectors.json_rows), decoded back to the
    rows the separate queries give. The page then costs the dashboard's queries and no more."""
    on = timezone.localdate(now or timezone.now())
    if not json_rows.supported():
        return plan_row_visible(user, plan_id, roles)
    columns = {
        "act_on": (PREPARED_ACT_ON, (plan_id, on, on + dt.timedelta(days=DUE_SOON_DAYS))),
        "money": (PREPARED_MONEY, (plan_id,)), "indicators": (PREPARED_INDICATORS, (plan_id,)),
        "agreements": (PREPARED_AGREEMENTS, (plan_id,)),
    }
    extra = {name: json_rows.prepared_json_rows(prepared, *args) for name, (prepared, args) in columns.items()}
    row = plan_row_visible(user, plan_id, roles, extra=extra)
    if row is None:
        return None
    row["page_extras"] = {"on": on, **{name: json_rows.decode(row.pop(name), prepared)
                                       for name, (prepared, _) in columns.items()}}
    return row


def plan_row_versioned(user: Any, plan_id: int, roles: frozenset[str] = READ_ROLES) -> dict[str, Any] | None:
    """`plan_row_visible` with the hash of its cluster's last history event (`history_head`):
    every change in the cluster's plan moves it, so it names the page's content (the page
    cache's key, projects/web/plan_cache.py)."""
    head = HistoryChainHead.objects.filter(chain_id=OuterRef("cluster_id")).values("last_hash")[:1]
    return plan_row_visible(user, plan_id, roles, extra={"history_head": Subquery(head)})


def plan_page_as_of(plan_row: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    """The plan page's keys as the plan stood at `at`, rebuilt from its history: phases, lines
    and projects with their progress, milestone counts and the milestones to act on then, the
    next forum then, the changes up to then. Money, indicators and open agreements are left empty
    here (`partial` is True); the page fills them from projects.reports.page_sections_as_of."""
    page = _page_of(plan_dashboard_as_of(plan_row, at), on=timezone.localdate(at))
    milestones = page.pop("milestones")
    names = dict(
        Stakeholder.objects.filter(pk__in={m["responsible"] for m in milestones if m["responsible"]})
        .values_list("id", "name")
    )
    soon = page["today"] + dt.timedelta(days=DUE_SOON_DAYS)
    rows = [
        {**m, "project_id": m["project"], "responsible_name": names.get(m["responsible"])}
        for m in milestones if m["status"] in OPEN and m["due_date"] is not None and m["due_date"] <= soon
    ]
    rows.sort(key=lambda m: (m["due_date"], m["id"]))
    late = [m for m in rows if m["due_date"] < page["today"]][:PLAN_PAGE_MILESTONE_LIMIT]
    coming = [m for m in rows if m["due_date"] >= page["today"]][:PLAN_PAGE_MILESTONE_LIMIT]
    page["milestones_overdue"] = _act_on_rows(late, page["today"], page["projects"])
    page["milestones_due_soon"] = _act_on_rows(coming, page["today"], page["projects"])
    page["money"], page["indicators"], page["open_agreements"] = [], [], []
    page["partial"] = True
    return page


def _page_of(dashboard: dict[str, Any], *, on: dt.date) -> dict[str, Any]:
    """What both pages derive from the dashboard: the day, the active phase, projects by line."""
    dashboard["today"] = on
    dashboard["active_phase"] = next((p for p in dashboard["phases"] if p["status"] == Phase.Status.ACTIVE), None)
    dashboard["lines"] = _projects_by_line(dashboard["strategic_lines"], dashboard["projects"])
    return dashboard


def _projects_by_line(lines: list[dict[str, Any]], projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Strategic lines in order, each with its projects; projects without a line come last."""
    by_line: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for project in projects:
        by_line[project["strategic_line"]].append(project)
    grouped = [{**line, "projects": by_line.get(line["id"], [])} for line in lines]
    if by_line.get(None):
        grouped.append({"id": None, "code": "", "title": "", "projects": by_line[None]})
    return grouped


def _act_on_rows_query(plan_id: int, on: dt.date) -> QuerySet[Any]:
    """The first open milestones overdue and due within 14 days, earliest first: each window is
    a LIMIT subquery on the (plan, status, due date) index, so the database keeps the top 10 of
    each without sorting every open milestone, and only the rows kept are joined to their
    responsible (the projects' codes come from the dashboard's rows)."""
    return _act_on_between(plan_id, on, on + dt.timedelta(days=DUE_SOON_DAYS))


def _act_on_between(plan_id: int, on: dt.date, soon: dt.date) -> QuerySet[Any]:
    open_ = Milestone.objects.filter(plan_id=plan_id, status__in=OPEN).order_by("due_date", "id").values("id")
    late = open_.filter(due_date__lt=on)[:PLAN_PAGE_MILESTONE_LIMIT]
    coming = open_.filter(due_date__gte=on, due_date__lte=soon)[:PLAN_PAGE_MILESTONE_LIMIT]
    return open_.filter(Q(id__in=late) | Q(id__in=coming), due_date__lte=soon).values(*PLAN_PAGE_MILESTONE_FIELDS)


def _act_on_split(
    rows: list[dict[str, Any]], on: dt.date, projects: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = sorted(rows, key=lambda r: (r["due_date"], r["id"]))
    for row in rows:
        row["responsible_name"] = row.pop("responsible__name")
    return (_act_on_rows([r for r in rows if r["due_date"] < on], on, projects),
            _act_on_rows([r for r in rows if r["due_date"] >= on], on, projects))


def _milestones_to_act_on(
    plan_id: int, on: dt.date, *, projects: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Overdue and due-soon milestones to act on (one query)."""
    return _act_on_split(list(_act_on_rows_query(plan_id, on)), on, projects)


def _act_on_rows(rows: list[dict[str, Any]], on: dt.date, projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {p["id"]: p for p in projects} if rows else {}
    for row in rows:
        project = by_id.get(row["project_id"], {})
        row["project_code"] = project.get("code", "")
        row["project_title"] = project.get("title", "")
        row["days_late"] = max(0, (on - row["due_date"]).days)
        row["days_left"] = max(0, (row["due_date"] - on).days)
        row["rescheduled"] = row["due_date"] != row["baseline_due_date"]
    return rows


def plan_money(plan_id: int) -> list[dict[str, Any]]:
    """Per currency, each funding source (all four, zero when absent) budgeted, executed and
    pending, and the currency's total. Amounts in different currencies never mix."""
    return _money_from(list(_money_query(plan_id)))


def _money_query(plan_id: int) -> QuerySet[Any]:
    return (
        FundingLine.objects.filter(project__plan_id=plan_id).values("currency", "source")
        .annotate(budget=Sum("budget"), executed=Sum("executed")).order_by("currency", "source")
    )


def money_from_sums(sums: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Budget and executed sums per (currency, source) -> the money table's shape (also used by
    the as-of report and page, projects/reports.py)."""
    return _money_from(sums)


def _money_from(sums: list[dict[str, Any]]) -> list[dict[str, Any]]:
    zero = Decimal("0.00")
    by_currency: dict[str, dict[str, dict[str, Any]]] = {}
    for row in sums:
        found = by_currency.setdefault(row["currency"], {})
        found[row["source"]] = {"budget": row["budget"] or zero, "executed": row["executed"] or zero}
    money = []
    for currency in sorted(by_currency):
        sources: list[dict[str, Any]] = []
        for source in FUNDING_SOURCES:
            amounts = by_currency[currency].get(source, {"budget": zero, "executed": zero})
            sources.append({"source": source, "label": FundingLine.Source(source).label, **amounts,
                            "pending": amounts["budget"] - amounts["executed"]})
        total = {key: sum((s[key] for s in sources), zero) for key in ("budget", "executed", "pending")}
        money.append({"currency": currency, "sources": sources, "total": total})
    return money


def plan_indicators(plan_id: int) -> list[dict[str, Any]]:
    """The plan's indicators, each with its last measurements (oldest first) and the latest one,
    in one query: indicators left-joined to their measurements, numbered newest first."""
    return _indicators_from(list(_indicators_query(plan_id)))


def _indicators_query(plan_id: int) -> QuerySet[Any]:
    newest_first = [F("measurements__measured_on").desc(nulls_last=True), F("measurements__id").desc()]
    return (
        Indicator.objects.filter(plan_id=plan_id)
        .values(*INDICATOR_FIELDS, "project__code", "measurements__measured_on", "measurements__value")
        .annotate(rank=Window(RowNumber(), partition_by=[F("id")], order_by=newest_first))
        .filter(rank__lte=TREND_POINTS).order_by("name", "id", "measurements__measured_on")
    )


def _indicators_from(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    day_last = dt.date.max
    rows = sorted(rows, key=lambda r: (r["name"], r["id"], r["measurements__measured_on"] or day_last))
    indicators: dict[int, dict[str, Any]] = {}
    for row in rows:
        day, value = row.pop("measurements__measured_on"), row.pop("measurements__value")
        row.pop("rank")
        row["project_code"] = row.pop("project__code")
        indicator = indicators.setdefault(row["id"], {**row, "measurements": []})
        if day is not None:
            indicator["measurements"].append({"measured_on": day, "value": value})
    for indicator in indicators.values():
        indicator["latest"] = indicator["measurements"][-1] if indicator["measurements"] else None
    return list(indicators.values())


OPEN_AGREEMENT_FIELDS = ("id", "title", "subject", "rule", "quorum_percent", "forum_id", "forum__title", "version")
POSITION_COLUMNS = ("positions__position", "positions__organization__is_active", "positions__organization__membership")


def open_agreements(plan_id: int, *, cluster_id: int) -> list[dict[str, Any]]:
    """Open agreements with the positions taken so far and, under the consent rule, the quorum
    (the same counts `agreement_close` decides on; the decision itself stays the service's).
    One query: each agreement left-joined to its positions, the cluster's full members counted
    by a subquery; the counts are made here (pure, plans.consensus)."""
    return _agreements_from(list(_agreements_query(plan_id, cluster_id)))


def _agreements_query(plan_id: int, cluster_id: int | None) -> QuerySet[Any]:
    """`cluster_id` None: the plan's own (one join more, for a query that has only the plan's id)."""
    members = Organization.objects.filter(is_active=True, membership=Organization.Membership.FULL)
    members = members.filter(cluster_id=cluster_id) if cluster_id is not None else members.filter(
        cluster__plans__id=plan_id)
    count = members.order_by().values("is_active").annotate(n=Count("id")).values("n")[:1]
    return (
        Agreement.objects.filter(plan_id=plan_id, status=Agreement.Status.OPEN)
        .values(*OPEN_AGREEMENT_FIELDS, *POSITION_COLUMNS)
        .annotate(members=Coalesce(Subquery(count, output_field=IntegerField()), 0)).order_by("id")
    )


def _agreements_from(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = sorted(rows, key=lambda r: r["id"])
    agreements: dict[int, dict[str, Any]] = {}
    taken: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for row in rows:
        value, active, membership = (row.pop(column) for column in POSITION_COLUMNS)
        agreements.setdefault(row["id"], row)
        if value is not None:
            taken[row["id"]].append((value, bool(active) and membership == Organization.Membership.FULL))
    for agreement in agreements.values():
        positions = taken.get(agreement["id"], [])
        agreement["forum_title"] = agreement.pop("forum__title")
        agreement["tally"] = count_positions(value for value, _ in positions)
        agreement["member_positions"] = sum(1 for _, full in positions if full)
        agreement["quorum"] = quorum_needed(agreement["members"], agreement["quorum_percent"])
        agreement["quorum_reached"] = agreement["member_positions"] >= agreement["quorum"]
    return list(agreements.values())


def _agreements_of_plan(plan_id: int) -> QuerySet[Any]:
    return _agreements_query(plan_id, None)


# The four lists the page row carries, compiled once per process (prepared.py). The samples are
# only compiled: ids and dates no row has, distinct from each other and from the queries' constants.
_DAY_A, _DAY_B = dt.date(1901, 1, 1), dt.date(1902, 2, 2)
PREPARED_ACT_ON = Prepared(_act_on_between, (-1, _DAY_A, _DAY_A + dt.timedelta(days=DUE_SOON_DAYS)),
                           (-2, _DAY_B, _DAY_B + dt.timedelta(days=DUE_SOON_DAYS)))
PREPARED_MONEY = Prepared(_money_query, (-1,), (-2,))
PREPARED_INDICATORS = Prepared(_indicators_query, (-1,), (-2,))
PREPARED_AGREEMENTS = Prepared(_agreements_of_plan, (-1,), (-2,))
