"""Reads of the projects app, scoped to what the user may see, with flat query counts.

Lists are `.values()` querysets: the API renders the rows as they come (dates and decimals
are encoded by the renderer), so 200 rows cost no per-field Python work. Related lists
(funding lines, beneficiaries) are fetched for a whole page in one query each by
`attach_project_relations`, so a page costs the same number of queries at any size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from plans.access import READ_ROLES, access_for
from plans.consensus import count_positions, quorum_needed
from plans.models import Agreement, Forum, HistoryEvent, Organization, Phase, Plan, Stakeholder, StrategicLine
from projects.models import (
    Expenditure,
    FundingLine,
    Indicator,
    Measurement,
    Milestone,
    MilestoneUpdate,
    Project,
    ProjectBeneficiary,
)

DUE_SOON_DAYS = 14
HISTORY_PAGE_LIMIT = 50  # events shown on an object's page
OPEN = Milestone.OPEN_STATUSES

PROJECT_FIELDS: tuple[str, ...] = (
    "id", "plan", "strategic_line", "code", "title", "objective", "category", "good_type",
    "executing_organization", "executing_body", "planned_start", "planned_end", "actual_start",
    "actual_end", "status", "priority", "collective_benefit_override_reason", "progress", "version",
)
MILESTONE_FIELDS: tuple[str, ...] = (
    "id", "project", "plan", "title", "description", "due_date", "baseline_due_date", "weight",
    "responsible", "status", "completed_on", "completion_note", "evidence_url", "version",
)
FUNDING_FIELDS: tuple[str, ...] = ("id", "source", "currency", "budget", "executed", "description", "version")
EXPENDITURE_FIELDS: tuple[str, ...] = (
    "id", "funding_line", "amount", "spent_on", "description", "over_budget_reason", "created_at", "version",
)
INDICATOR_FIELDS: tuple[str, ...] = (
    "id", "plan", "project", "name", "unit", "baseline_value", "baseline_date", "target_value",
    "target_date", "version",
)
MEASUREMENT_FIELDS: tuple[str, ...] = ("id", "indicator", "measured_on", "value", "note", "version")
UPDATE_FIELDS: tuple[str, ...] = ("id", "milestone", "author", "posted_on", "note", "version")


def today() -> dt.date:
    return timezone.localdate()


def _overdue_q(prefix: str, on: dt.date) -> Q:
    return Q(**{f"{prefix}status__in": OPEN, f"{prefix}due_date__lt": on})


def _due_soon_q(prefix: str, on: dt.date) -> Q:
    """Open and due from `on` to 14 days later (the plan page's and the lists' "due soon")."""
    soon = on + dt.timedelta(days=DUE_SOON_DAYS)
    return Q(**{f"{prefix}status__in": OPEN, f"{prefix}due_date__gte": on, f"{prefix}due_date__lte": soon})


def milestone_count_annotations(prefix: str, on: dt.date) -> dict[str, Any]:
    """Counts of milestones (total, completed, overdue, due within 14 days) as aggregates."""
    path = prefix.rstrip("_") or "id"
    return {
        "mc_total": Count(path),
        "mc_completed": Count(path, filter=Q(**{f"{prefix}status": Milestone.Status.COMPLETED})),
        "mc_overdue": Count(path, filter=_overdue_q(prefix, on)),
        "mc_due_soon": Count(path, filter=_due_soon_q(prefix, on)),
    }


def _pop_counts(row: dict[str, Any]) -> dict[str, int]:
    return {
        "total": row.pop("mc_total"),
        "completed": row.pop("mc_completed"),
        "overdue": row.pop("mc_overdue"),
        "due_soon": row.pop("mc_due_soon"),
    }


# --- Projects -----------------------------------------------------------------------------


def project_queryset(user: Any) -> QuerySet[Project]:
    """Projects the user may see (model instances: for detail loads and permission checks)."""
    return Project.objects.filter(access_for(user).scope(Project)).select_related("plan")


def milestone_count_subqueries(on: dt.date) -> dict[str, Any]:
    """The same counts as correlated subqueries: unlike a GROUP BY join, COUNT(*) of the list
    (pagination) can drop them, so counting the rows stays a plain indexed count."""
    filters = {
        "mc_total": Q(),
        "mc_completed": Q(status=Milestone.Status.COMPLETED),
        "mc_overdue": _overdue_q("", on),
        "mc_due_soon": _due_soon_q("", on),
    }
    return {
        name: Coalesce(
            Subquery(
                Milestone.objects.filter(condition, project_id=OuterRef("pk")).order_by()
                .values("project_id").annotate(n=Count("id")).values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        )
        for name, condition in filters.items()
    }


def project_list(user: Any, *, on: dt.date | None = None) -> QuerySet[Any]:
    """Rows of visible projects with their milestone counts; pass a page to attach_project_relations."""
    return (
        Project.objects.filter(access_for(user).scope(Project))
        .values(*PROJECT_FIELDS)
        .annotate(**milestone_count_subqueries(on or today()))
        .order_by("plan_id", "code")
    )


def attach_project_relations(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add funding lines, budget totals per currency, beneficiaries and counts to a page of rows."""
    ids = [row["id"] for row in rows]
    funding: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in FundingLine.objects.filter(project_id__in=ids).values("project_id", *FUNDING_FIELDS):
        project_id = line.pop("project_id")
        line["pending"] = line["budget"] - line["executed"]
        funding[project_id].append(line)
    beneficiaries: dict[int, list[dict[str, Any]]] = defaultdict(list)
    links = ProjectBeneficiary.objects.filter(project_id__in=ids).values_list(
        "project_id", "organization_id", "organization__name"
    )
    for project_id, organization_id, name in links:
        beneficiaries[project_id].append({"organization": organization_id, "name": name})
    for row in rows:
        lines = funding.get(row["id"], [])
        row["funding"] = lines
        row["budget_total"] = money_totals(lines)
        row["beneficiaries"] = beneficiaries.get(row["id"], [])
        row["milestone_counts"] = _pop_counts(row)
    return rows


def money_totals(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Budget, executed and pending summed per currency (amounts in different currencies never mix)."""
    totals: dict[str, dict[str, Any]] = {}
    for line in lines:
        total = totals.setdefault(
            line["currency"],
            {"currency": line["currency"], "budget": Decimal("0.00"), "executed": Decimal("0.00"),
             "pending": Decimal("0.00")},
        )
        total["budget"] += line["budget"]
        total["executed"] += line["executed"]
        total["pending"] += line["pending"]
    return [totals[c] for c in sorted(totals)]


def project_row(user: Any, project_id: int) -> dict[str, Any] | None:
    rows = list(project_list(user).filter(pk=project_id))
    return attach_project_relations(rows)[0] if rows else None


def funding_line_queryset(user: Any) -> QuerySet[FundingLine]:
    return FundingLine.objects.filter(access_for(user).scope(FundingLine)).select_related(
        "project__plan"
    )


def is_beneficiary(project_id: int, organization_id: int) -> bool:
    return ProjectBeneficiary.objects.filter(project_id=project_id, organization_id=organization_id).exists()


def expenditure_list(funding_line_id: int) -> QuerySet[Any]:
    return Expenditure.objects.filter(funding_line_id=funding_line_id).values(*EXPENDITURE_FIELDS).order_by(
        "spent_on", "id"
    )


# --- Milestones ---------------------------------------------------------------------------


def milestone_queryset(user: Any) -> QuerySet[Milestone]:
    return Milestone.objects.filter(access_for(user).scope(Milestone)).select_related("plan")


def milestone_list(user: Any, *, on: dt.date | None = None) -> QuerySet[Any]:
    """Rows of visible milestones with `is_overdue` computed by the database."""
    overdue = Case(When(_overdue_q("", on or today()), then=Value(True)), default=Value(False),
                   output_field=BooleanField())
    return (
        Milestone.objects.filter(access_for(user).scope(Milestone))
        .values(*MILESTONE_FIELDS)
        .annotate(is_overdue=overdue)
        .order_by("due_date", "id")
    )


def milestone_row(user: Any, milestone_id: int) -> dict[str, Any] | None:
    return milestone_list(user).filter(pk=milestone_id).first()


def filter_overdue(queryset: QuerySet[Any], overdue: bool, *, on: dt.date | None = None) -> QuerySet[Any]:
    q = _overdue_q("", on or today())
    return queryset.filter(q) if overdue else queryset.exclude(q)


def milestone_update_list(milestone_id: int) -> QuerySet[Any]:
    return MilestoneUpdate.objects.filter(milestone_id=milestone_id).values(*UPDATE_FIELDS).order_by(
        "-posted_on", "-id"
    )


# --- Milestone filters: the one home of the list rules (the pages use it; the API may) ---


def search_terms(text: str) -> list[str]:
    """Words of a free-text search, split as DRF's SearchFilter splits them (spaces, commas)."""
    return [term for term in (text or "").replace(",", " ").split() if term][:10]


def milestone_filter(
    queryset: QuerySet[Any], *, project_id: int | None = None, responsible_id: int | None = None,
    statuses: tuple[str, ...] | list[str] = (), overdue: bool | None = None, due_soon: bool = False,
    text: str = "", due_after: dt.date | None = None, due_before: dt.date | None = None,
    on: dt.date | None = None,
) -> QuerySet[Any]:
    """Narrow a milestone queryset (rows or instances): every given condition must hold.

    `overdue` True keeps open milestones past their due date, False the others; `due_soon`
    keeps open ones due within 14 days; each word of `text` must appear in the title or the
    description (as the API's `search`).
    """
    on = on or today()
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    if responsible_id is not None:
        queryset = queryset.filter(responsible_id=responsible_id)
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    if overdue is not None:
        queryset = filter_overdue(queryset, overdue, on=on)
    if due_soon:
        queryset = queryset.filter(_due_soon_q("", on))
    if due_after is not None:
        queryset = queryset.filter(due_date__gte=due_after)
    if due_before is not None:
        queryset = queryset.filter(due_date__lte=due_before)
    for term in search_terms(text):
        queryset = queryset.filter(Q(title__icontains=term) | Q(description__icontains=term))
    return queryset


# --- Pages (projects/web): reads the templates need beyond the API's rows ----------------


def plan_milestone_rows(user: Any, plan_id: int, *, on: dt.date | None = None) -> QuerySet[Any]:
    """A plan's visible milestones as rows, with the names a page shows beside the ids."""
    return milestone_list(user, on=on).filter(plan_id=plan_id).annotate(
        project_code=F("project__code"), project_title=F("project__title"),
        responsible_name=F("responsible__name"),
    )


def milestone_filter_choices(plan_id: int) -> dict[str, list[tuple[int, str]]]:
    """The plan's projects and the people answering for its milestones (two queries)."""
    projects = [
        (pk, f"{code} {title}")
        for pk, code, title in Project.objects.filter(plan_id=plan_id).order_by("code").values_list(
            "id", "code", "title"
        )
    ]
    responsibles = list(
        Stakeholder.objects.filter(milestones__plan_id=plan_id).distinct().order_by("name", "id").values_list(
            "id", "name"
        )
    )
    return {"projects": projects, "responsibles": responsibles}


def milestone_page_queryset(user: Any) -> QuerySet[Milestone]:
    """Visible milestones with what their detail page shows (project, responsible, cluster)."""
    return milestone_queryset(user).select_related("project", "responsible", "plan__cluster")


def milestone_update_rows(milestone_id: int) -> QuerySet[Any]:
    return milestone_update_list(milestone_id).annotate(author_name=F("author__username"))


def object_history(object_type: str, object_id: int, *, limit: int = HISTORY_PAGE_LIMIT) -> list[HistoryEvent]:
    """The latest events of one row (uses the history's object index), newest first."""
    return list(HistoryEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("-id")[:limit])


def project_page_queryset(user: Any) -> QuerySet[Project]:
    """Visible projects with the related rows their pages name."""
    return project_queryset(user).select_related("plan__cluster", "strategic_line", "executing_organization")


def project_milestone_rows(user: Any, project_id: int) -> QuerySet[Any]:
    return milestone_list(user).filter(project_id=project_id).annotate(responsible_name=F("responsible__name"))


def beneficiary_candidates(project: Project) -> list[tuple[int, str]]:
    """Active member organizations of the cluster that do not benefit from the project yet."""
    return list(
        Organization.objects.filter(cluster_id=project.plan.cluster_id, is_active=True)
        .exclude(beneficiary_links__project_id=project.pk).order_by("name", "id").values_list("id", "name")
    )


def project_form_choices(plan: Plan) -> dict[str, list[tuple[int, str]]]:
    """Strategic lines of the plan and member organizations of its cluster, for project forms."""
    lines = [
        (pk, f"{code} {title}")
        for pk, code, title in StrategicLine.objects.filter(plan_id=plan.pk).order_by("order", "code").values_list(
            "id", "code", "title"
        )
    ]
    organizations = list(
        Organization.objects.filter(cluster_id=plan.cluster_id).order_by("name", "id").values_list("id", "name")
    )
    return {"strategic_lines": lines, "organizations": organizations}


# --- Indicators ---------------------------------------------------------------------------


def indicator_queryset(user: Any) -> QuerySet[Indicator]:
    return Indicator.objects.filter(access_for(user).scope(Indicator)).select_related("plan")


def indicator_list(user: Any) -> QuerySet[Any]:
    return indicator_queryset(user).values(*INDICATOR_FIELDS).order_by("plan_id", "name", "id")


def measurement_list(indicator_id: int) -> QuerySet[Any]:
    return Measurement.objects.filter(indicator_id=indicator_id).values(*MEASUREMENT_FIELDS).order_by(
        "measured_on", "id"
    )


# --- Plan dashboard -----------------------------------------------------------------------

DASHBOARD_PLAN_FIELDS = (
    "id", "cluster", "cluster__name", "title", "edition", "vision", "status", "grant_amount",
    "grant_currency", "approved_on", "progress", "version",
)
DASHBOARD_PHASE_FIELDS = (
    "id", "order", "kind", "title", "status", "planned_start", "planned_end", "actual_start", "actual_end",
    "version",
)
DASHBOARD_PROJECT_FIELDS = ("id", "code", "title", "category", "status", "strategic_line", "progress", "version")
DASHBOARD_FORUM_FIELDS = ("id", "phase", "title", "starts_at", "ends_at", "venue", "address", "status")
DASHBOARD_HISTORY_FIELDS = (
    "id", "occurred_at", "actor", "actor_label", "source", "action", "object_type", "object_id",
    "object_repr", "changes", "reason",
)
HISTORY_LIMIT = 20


def plan_row_visible(user: Any, plan_id: int, roles: frozenset[str] = READ_ROLES) -> dict[str, Any] | None:
    """The plan's dashboard row if the user holds one of `roles` in its cluster (None answers 404
    without revealing it)."""
    row = Plan.objects.filter(access_for(user).scope(Plan, roles), pk=plan_id).values(*DASHBOARD_PLAN_FIELDS).first()
    if row is not None:
        row["cluster_name"] = row.pop("cluster__name")
    return row


def plan_dashboard(plan_row: dict[str, Any], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """One plan page in 7 queries after the plan row, whatever the number of projects."""
    now = now or timezone.now()
    on = timezone.localdate(now)
    plan_id = plan_row["id"]
    phases = list(Phase.objects.filter(plan_id=plan_id).values(*DASHBOARD_PHASE_FIELDS).order_by("order"))
    lines = list(
        StrategicLine.objects.filter(plan_id=plan_id).values("id", "code", "title", "order", "version")
        .order_by("order", "code")
    )
    projects = list(
        Project.objects.filter(plan_id=plan_id).values(*DASHBOARD_PROJECT_FIELDS)
        .annotate(**milestone_count_annotations("milestones__", on)).order_by("code")
    )
    for row in projects:
        row["milestone_counts"] = _pop_counts(row)
    totals = Milestone.objects.filter(plan_id=plan_id).aggregate(**milestone_count_annotations("", on))
    next_forum = (
        Forum.objects.filter(plan_id=plan_id, status=Forum.Status.SCHEDULED, starts_at__gte=now)
        .values(*DASHBOARD_FORUM_FIELDS).order_by("starts_at", "id").first()
    )
    history = list(
        HistoryEvent.objects.filter(plan_id=plan_id).values(*DASHBOARD_HISTORY_FIELDS)
        .order_by("-id")[:HISTORY_LIMIT]
    )
    return {
        "plan": plan_row,
        "phases": phases,
        "strategic_lines": lines,
        "projects": projects,
        "milestone_counts": _pop_counts(totals),
        "next_forum": next_forum,
        "history": history,
        "as_of": None,
        "generated_at": now,
    }


# --- Plan page (web) ----------------------------------------------------------------------
# The page people use: the dashboard above plus the lists a coordinator works from, in at
# four more queries whatever the number of projects, milestones, measurements or positions
# (milestones to act on; money; indicators with their measurements; open agreements with their
# positions): lists are capped (the counts stay exact), sums are aggregates.

PLAN_PAGE_MILESTONE_LIMIT = 10  # each row carries its action forms: the page stays light
PLAN_PAGE_MILESTONE_FIELDS = (
    "id", "title", "due_date", "baseline_due_date", "status", "version", "project_id", "project__code",
    "project__title", "responsible__name",
)
TREND_POINTS = 12
FUNDING_SOURCES: tuple[str, ...] = tuple(FundingLine.Source.values)


def plan_page(plan_row: dict[str, Any], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the plan page shows: `plan_dashboard` plus milestones to act on, money per
    funding source, indicators with their trend and the open agreements with their tally."""
    page = plan_dashboard(plan_row, now=now)
    on = timezone.localdate(page["generated_at"])
    plan_id = plan_row["id"]
    page["today"] = on
    page["active_phase"] = next((p for p in page["phases"] if p["status"] == Phase.Status.ACTIVE), None)
    page["lines"] = _projects_by_line(page["strategic_lines"], page["projects"])
    page["milestones_overdue"], page["milestones_due_soon"] = _milestones_to_act_on(plan_id, on)
    page["money"] = plan_money(plan_id)
    page["indicators"] = plan_indicators(plan_id)
    page["open_agreements"] = open_agreements(plan_id, cluster_id=plan_row["cluster"])
    return page


def _projects_by_line(lines: list[dict[str, Any]], projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Strategic lines in order, each with its projects; projects without a line come last."""
    by_line: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for project in projects:
        by_line[project["strategic_line"]].append(project)
    grouped = [{**line, "projects": by_line.get(line["id"], [])} for line in lines]
    if by_line.get(None):
        grouped.append({"id": None, "code": "", "title": "", "projects": by_line[None]})
    return grouped


def _milestones_to_act_on(plan_id: int, on: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The first open milestones overdue and due within 14 days, earliest first, in one query
    (rows numbered within each of the two windows, each cut at the page's limit)."""
    soon = on + dt.timedelta(days=DUE_SOON_DAYS)
    late = Case(When(due_date__lt=on, then=Value(1)), default=Value(0), output_field=IntegerField())
    rows = list(
        Milestone.objects.filter(plan_id=plan_id, status__in=OPEN, due_date__lte=soon)
        .annotate(late=late, rank=Window(RowNumber(), partition_by=[late], order_by=[F("due_date"), F("id")]))
        .filter(rank__lte=PLAN_PAGE_MILESTONE_LIMIT)
        .values(*PLAN_PAGE_MILESTONE_FIELDS, "late").order_by("due_date", "id")
    )
    overdue: list[dict[str, Any]] = []
    due_soon: list[dict[str, Any]] = []
    for row in rows:
        row["project_code"] = row.pop("project__code")
        row["project_title"] = row.pop("project__title")
        row["responsible_name"] = row.pop("responsible__name")
        row["days_late"] = max(0, (on - row["due_date"]).days)
        row["days_left"] = max(0, (row["due_date"] - on).days)
        row["rescheduled"] = row["due_date"] != row["baseline_due_date"]
        (overdue if row.pop("late") else due_soon).append(row)
    return overdue, due_soon


def plan_money(plan_id: int) -> list[dict[str, Any]]:
    """Per currency, each funding source (all four, zero when absent) budgeted, executed and
    pending, and the currency's total. Amounts in different currencies never mix."""
    sums = (
        FundingLine.objects.filter(project__plan_id=plan_id).values("currency", "source")
        .annotate(budget=Sum("budget"), executed=Sum("executed")).order_by("currency", "source")
    )
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
    newest_first = [F("measurements__measured_on").desc(nulls_last=True), F("measurements__id").desc()]
    rows = (
        Indicator.objects.filter(plan_id=plan_id)
        .values(*INDICATOR_FIELDS, "project__code", "measurements__measured_on", "measurements__value")
        .annotate(rank=Window(RowNumber(), partition_by=[F("id")], order_by=newest_first))
        .filter(rank__lte=TREND_POINTS).order_by("name", "id", "measurements__measured_on")
    )
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
    members = (
        Organization.objects.filter(cluster_id=cluster_id, is_active=True, membership=Organization.Membership.FULL)
        .order_by().values("cluster_id").annotate(n=Count("id")).values("n")[:1]
    )
    rows = (
        Agreement.objects.filter(plan_id=plan_id, status=Agreement.Status.OPEN)
        .values(*OPEN_AGREEMENT_FIELDS, *POSITION_COLUMNS)
        .annotate(members=Coalesce(Subquery(members, output_field=IntegerField()), 0)).order_by("id")
    )
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


# --- Portfolio (web page for programme administrators and all-cluster auditors) ---------------


def portfolio(user: Any, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every visible cluster with its current plan: status, active phase, progress, overdue and
    due-soon milestones, next forum, and money budgeted / executed / pending per currency.

    Six queries whatever the number of clusters (clusters, plans, phases, milestone counts,
    forums, funding sums)."""
    from django.db.models import Sum

    from plans.models import Cluster
    from plans.selectors import current_plan

    now = now or timezone.now()
    on = timezone.localdate(now)
    clusters = list(Cluster.objects.filter(access_for(user).scope_q("")).order_by("name", "id"))
    by_cluster: dict[int, list[Plan]] = defaultdict(list)
    for edition in Plan.objects.filter(cluster_id__in=[c.pk for c in clusters]).order_by("-edition", "-id"):
        by_cluster[edition.cluster_id].append(edition)
    current = {cid: current_plan(plans) for cid, plans in by_cluster.items()}
    plan_ids = [plan.pk for plan in current.values() if plan is not None]
    active = {
        row["plan_id"]: row
        for row in Phase.objects.filter(plan_id__in=plan_ids, status=Phase.Status.ACTIVE)
        .values("plan_id", "id", "title", "kind", "order").order_by("order")
    }
    counts = {
        row.pop("plan_id"): _pop_counts(row)
        for row in Milestone.objects.filter(plan_id__in=plan_ids).values("plan_id").order_by()
        .annotate(**milestone_count_annotations("", on))
    }
    forums: dict[int, dict[str, Any]] = {}
    for row in (
        Forum.objects.filter(plan_id__in=plan_ids, status=Forum.Status.SCHEDULED, starts_at__gte=now)
        .values("plan_id", *DASHBOARD_FORUM_FIELDS).order_by("starts_at", "id")
    ):
        forums.setdefault(row.pop("plan_id"), row)
    money: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        FundingLine.objects.filter(project__plan_id__in=plan_ids).values("project__plan_id", "currency")
        .order_by("project__plan_id", "currency").annotate(budget=Sum("budget"), executed=Sum("executed"))
    ):
        money[row["project__plan_id"]].append({
            "currency": row["currency"], "budget": row["budget"], "executed": row["executed"],
            "pending": row["budget"] - row["executed"],
        })
    empty = {"total": 0, "completed": 0, "overdue": 0, "due_soon": 0}
    rows = []
    for cluster in clusters:
        plan = current.get(cluster.pk)
        pid = plan.pk if plan is not None else None
        rows.append({
            "cluster": cluster,
            "plan": plan,
            "active_phase": active.get(pid) if pid else None,
            "milestone_counts": counts.get(pid, empty) if pid else empty,
            "next_forum": forums.get(pid) if pid else None,
            "money": money.get(pid, []) if pid else [],
        })
    return rows
