"""The floor: bare Django views returning the same rows as the API with `.values()` and orjson.

No DRF, no authentication, no permission or throttling: the cost of the queries and the
encoding alone, which the API endpoints are measured against.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import orjson
from django.db.models import BooleanField, Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from plans.models import Forum, HistoryEvent, Phase, Plan, StrategicLine
from projects.models import FundingLine, Milestone, Project, ProjectBeneficiary

OPEN = ("pending", "in_progress")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):  # local time with offset, as the API shows it
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError


def _json(data: Any) -> HttpResponse:
    body = orjson.dumps(data, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    return HttpResponse(body, content_type="application/json")


def _counts(prefix: str, on: dt.date) -> dict[str, Any]:
    soon = on + dt.timedelta(days=14)
    path = prefix.rstrip("_") or "id"
    return {
        "total": Count(path),
        "completed": Count(path, filter=Q(**{f"{prefix}status": "completed"})),
        "overdue": Count(path, filter=Q(**{f"{prefix}status__in": OPEN, f"{prefix}due_date__lt": on})),
        "due_soon": Count(path, filter=Q(**{f"{prefix}status__in": OPEN, f"{prefix}due_date__gte": on,
                                            f"{prefix}due_date__lte": soon})),
    }


def _count_subqueries(on: dt.date) -> dict[str, Any]:
    """Per-row correlated counts: the page query needs no GROUP BY and the COUNT(*) stays plain."""
    soon = on + dt.timedelta(days=14)
    conditions = {
        "total": Q(),
        "completed": Q(status="completed"),
        "overdue": Q(status__in=OPEN, due_date__lt=on),
        "due_soon": Q(status__in=OPEN, due_date__gte=on, due_date__lte=soon),
    }
    return {
        name: Coalesce(Subquery(
            Milestone.objects.filter(cond, project_id=OuterRef("pk")).order_by().values("project_id")
            .annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()), 0)
        for name, cond in conditions.items()
    }


def projects(request: HttpRequest) -> HttpResponse:
    qs = Project.objects.filter(plan_id=int(request.GET["plan"]))
    count = qs.count()
    rows = list(
        qs.values(
            "id", "plan", "strategic_line", "code", "title", "objective", "category", "good_type",
            "executing_organization", "executing_body", "planned_start", "planned_end", "actual_start",
            "actual_end", "status", "priority", "collective_benefit_override_reason", "progress", "version",
        ).annotate(**_count_subqueries(timezone.localdate())).order_by("plan_id", "code")[:50]
    )
    ids = [r["id"] for r in rows]
    funding = defaultdict(list)
    for line in FundingLine.objects.filter(project_id__in=ids).values(
        "project_id", "id", "source", "currency", "budget", "executed", "description", "version"
    ):
        line["pending"] = line["budget"] - line["executed"]  # type: ignore[misc]
        funding[line.pop("project_id")].append(line)  # type: ignore[misc]
    beneficiaries = defaultdict(list)
    for pid, oid, name in ProjectBeneficiary.objects.filter(project_id__in=ids).values_list(
        "project_id", "organization_id", "organization__name"
    ):
        beneficiaries[pid].append({"organization": oid, "name": name})
    for row in rows:
        row["funding"] = funding[row["id"]]
        totals: dict[str, dict[str, Any]] = {}
        for line in row["funding"]:
            total = totals.setdefault(line["currency"], {"currency": line["currency"], "budget": Decimal("0.00"),
                                                         "executed": Decimal("0.00"), "pending": Decimal("0.00")})
            for key in ("budget", "executed", "pending"):
                total[key] += line[key]
        row["budget_total"] = [totals[c] for c in sorted(totals)]
        row["beneficiaries"] = beneficiaries[row["id"]]
        row["milestone_counts"] = {k: row.pop(k) for k in ("total", "completed", "overdue", "due_soon")}
    return _json({"count": count, "next": None, "previous": None, "results": rows})


def milestones(request: HttpRequest) -> HttpResponse:
    size = min(int(request.GET.get("page_size", 50)), 200)
    on = timezone.localdate()
    qs = Milestone.objects.filter(plan_id=int(request.GET["plan"]))
    count = qs.count()
    rows = list(
        qs.values(  # type: ignore[no-redef]
            "id", "project", "plan", "title", "description", "due_date", "baseline_due_date", "weight",
            "responsible", "status", "completed_on", "completion_note", "evidence_url", "version",
        ).annotate(is_overdue=Case(When(status__in=OPEN, due_date__lt=on, then=Value(True)), default=Value(False),
                                   output_field=BooleanField()))
        .order_by("due_date", "id")[:size]
    )
    return _json({"count": count, "next": None, "previous": None, "results": rows})


def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    on = timezone.localdate(now)
    plan = Plan.objects.filter(pk=pk).values(
        "id", "cluster", "cluster__name", "title", "edition", "vision", "status", "grant_amount", "grant_currency",
        "approved_on", "progress", "version",
    ).get()
    plan["cluster_name"] = plan.pop("cluster__name")  # type: ignore[misc]
    data: dict[str, Any] = {
        "plan": plan,
        "phases": list(Phase.objects.filter(plan_id=pk).values(
            "id", "order", "kind", "title", "status", "planned_start", "planned_end", "actual_start", "actual_end",
            "version").order_by("order")),
        "strategic_lines": list(StrategicLine.objects.filter(plan_id=pk).values("id", "code", "title", "order",
                                                                                 "version").order_by("order", "code")),
        "projects": list(Project.objects.filter(plan_id=pk).values(
            "id", "code", "title", "category", "status", "strategic_line", "progress", "version",
        ).annotate(**_counts("milestones__", on)).order_by("code")),
        "milestone_counts": Milestone.objects.filter(plan_id=pk).aggregate(**_counts("", on)),
        "next_forum": Forum.objects.filter(plan_id=pk, status="scheduled", starts_at__gte=now).values(
            "id", "phase", "title", "starts_at", "ends_at", "venue", "address", "status",
        ).order_by("starts_at", "id").first(),
        "history": list(HistoryEvent.objects.filter(plan_id=pk).values(
            "id", "occurred_at", "actor", "actor_label", "source", "action", "object_type", "object_id",
            "object_repr", "changes", "reason").order_by("-id")[:20]),
        "as_of": None,
        "generated_at": now,
    }
    for row in data["projects"]:
        row["milestone_counts"] = {k: row.pop(k) for k in ("total", "completed", "overdue", "due_soon")}
    return _json(data)


def me(request: HttpRequest) -> HttpResponse:
    """`GET /api/v1/me/` without DRF: the presented token with its user in one statement (digest
    compared as knox does), the roles in a second, the same JSON."""
    from hmac import compare_digest

    from knox.crypto import hash_token
    from knox.models import AuthToken
    from knox.settings import CONSTANTS

    from plans.selectors import roles_by_cluster

    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Token ").strip()
    auth = AuthToken.objects.select_related("user").filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]).first()
    if auth is None or not compare_digest(hash_token(token), auth.digest):
        return HttpResponse(status=401)
    user = auth.user
    return _json({
        "user": {"id": user.pk, "username": user.username, "email": user.email, "first_name": user.first_name,
                 "last_name": user.last_name, "is_active": user.is_active, "is_superuser": user.is_superuser,
                 "date_joined": user.date_joined},
        "is_programme_admin": user.is_superuser,
        "roles": roles_by_cluster(user=user),
    })
