"""Projects, their funding lines, expenditures and beneficiaries; the project pages' reads.

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
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from plans.access import access_for
from plans.models import Organization, Plan, StrategicLine
from projects.models import (
    Expenditure,
    FundingLine,
    Milestone,
    Project,
    ProjectBeneficiary,
)

from .common import EXPENDITURE_FIELDS, FUNDING_FIELDS, PROJECT_FIELDS, _due_soon_q, _overdue_q, _pop_counts, today
from .milestones import milestone_list


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
