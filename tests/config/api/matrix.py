"""The role matrix: for every route under /api/v1/ and method, who gets what.

`TABLE[(route name, METHOD)]` says what kind of operation it is; `expected()` turns that into
the status codes each role must get for an object of its own cluster and of another one.
tests/api/test_role_matrix.py walks the URL resolver and FAILS for any route missing here,
so a new endpoint cannot ship without its access rules being stated and checked.

Kinds:
- public: anyone, anonymous included (token login, the schema and its docs page);
- authenticated: any logged-in user (me, logout);
- admin: programme administrators only (403 for everyone else);
- list: a scoped list; the target object must appear exactly for the roles that may see it;
- read: a detail read; invisible objects are 404 (roles in `denied_readers` get 403 or 404);
- write / create: coordinators of the object's cluster and admins (plus `writers`); other roles
  get 403 on objects they may see and 404 on objects they may not (no probing of ids), 403 on
  creates; a writer from another cluster 404 (create: 400/404, the parent id does not resolve);
- global_read: not tied to one object (audit verify): `writers`-style role list in `readers`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tests.world import Side, World

Body = Callable[[Side, World], dict[str, Any]]
ALL_READERS = frozenset({"coordinator", "stakeholder", "auditor", "global_auditor"})
COORDINATOR = frozenset({"coordinator"})
COORDINATOR_STAKEHOLDER = frozenset({"coordinator", "stakeholder"})
OVERSIGHT = frozenset({"coordinator", "auditor", "global_auditor"})


def today(days: int = 0) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


@dataclass(frozen=True)
class Case:
    kind: str
    target: str | None = None  # world object whose pk fills the route's `pk` (or `pk_kwarg`)
    pk_kwarg: str = "pk"
    ok: int = 200
    body: Body | None = None
    kwargs: Callable[[Side], dict[str, Any]] | None = None
    query: Callable[[Side], dict[str, Any]] | None = None
    writers: frozenset[str] = COORDINATOR
    readers: frozenset[str] = ALL_READERS
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def read(target: str, **kw: Any) -> Case:
    return Case("read", target=target, **kw)


def listing(target: str, **kw: Any) -> Case:
    return Case("list", target=target, **kw)


def write(target: str, body: Body | None = None, ok: int = 200, **kw: Any) -> Case:
    return Case("write", target=target, body=body, ok=ok, **kw)


def create(body: Body, ok: int = 201, **kw: Any) -> Case:
    return Case("create", body=body, ok=ok, **kw)



TABLE: dict[tuple[str, str], Case] = {
    # --- framework and auth
    ("schema", "GET"): Case("public"),
    ("docs", "GET"): Case("public"),
    ("redoc", "GET"): Case("public"),
    ("auth-token", "POST"): Case("public", body=lambda s, w: {"username": "coordinator", "password": "pass-1234"}),
    ("auth-logout", "POST"): Case("authenticated", ok=204),
    ("auth-logout-all", "POST"): Case("authenticated", ok=204),
    ("me", "GET"): Case("authenticated"),
    # --- users and clusters
    ("user-list", "GET"): Case("admin"),
    ("user-list", "POST"): Case(
        "admin", ok=201, body=lambda s, w: {"username": "newuser", "password": "Tucuman-2012!x"}
    ),
    ("user-detail", "GET"): Case("admin", extra={"user": "coordinator"}),
    ("user-detail", "PATCH"): Case("admin", extra={"user": "coordinator"}, body=lambda s, w: {"first_name": "Ana"}),
    ("cluster-list", "GET"): listing("cluster"),
    ("cluster-list", "POST"): Case("admin", ok=201, body=lambda s, w: {"name": "Acuícola NEA", "slug": "acuicola"}),
    ("cluster-detail", "GET"): read("cluster"),
    ("cluster-detail", "PATCH"): write("cluster", lambda s, w: {"sector": "lácteo"}),
    ("cluster-key-figures", "POST"): write(
        "cluster", lambda s, w: {"name": "Processed milk", "value": "50000", "unit": "l/day"}
    ),
    ("organization-list", "GET"): listing("organization"),
    ("organization-list", "POST"): create(
        lambda s, w: {"cluster": s.cluster.pk, "name": "Tambo nuevo", "kind": "primary_producer"}
    ),
    ("organization-detail", "GET"): read("organization"),
    ("organization-detail", "PATCH"): write("organization", lambda s, w: {"locality": "Trancas"}),
    # `stakeholder` is the stakeholder user's own record in the own cluster.
    ("stakeholder-list", "GET"): listing("stakeholder"),
    ("stakeholder-list", "POST"): create(
        lambda s, w: {"cluster": s.cluster.pk, "name": "Nueva persona", "email": "nueva@example.org"}
    ),
    ("stakeholder-detail", "GET"): read("stakeholder"),
    ("stakeholder-detail", "PATCH"): write(
        "stakeholder", lambda s, w: {"name": "Renamed"}, writers=COORDINATOR_STAKEHOLDER
    ),
    ("roleassignment-list", "GET"): listing("role_assignment"),
    ("roleassignment-list", "POST"): Case(
        "admin", ok=201, body=lambda s, w: {"user": w.users["coordinator_b"].pk, "cluster": s.cluster.pk,
                                            "role": "auditor"}
    ),
    ("roleassignment-detail", "GET"): read("role_assignment"),
    ("roleassignment-detail", "DELETE"): Case("admin", target="role_assignment", ok=204),
    # --- plans
    ("plan-list", "GET"): listing("plan"),
    ("plan-list", "POST"): create(lambda s, w: {"cluster": s.cluster.pk, "title": "PMC 2014"}),
    ("plan-detail", "GET"): read("plan"),
    ("plan-detail", "PATCH"): write("plan", lambda s, w: {"vision": "Leche de calidad"}),
    # A move without phase rules (validation needs its phases: plans/phase_rules.py).
    ("plan-transition", "POST"): write("plan", lambda s, w: {"to": "cancelled", "reason": "Merged into another"}),
    ("plan-reformulate", "POST"): write("approved_plan", lambda s, w: {"reason": "Strengthened in 2014"}, ok=201),
    ("strategicline-list", "GET"): listing("strategic_line"),
    ("strategicline-list", "POST"): create(lambda s, w: {"plan": s["plan"].pk, "code": "L9", "title": "Calidad"}),
    ("strategicline-detail", "GET"): read("strategic_line"),
    ("strategicline-detail", "PATCH"): write("strategic_line", lambda s, w: {"title": "Marca local"}),
    ("strategicline-detail", "DELETE"): write("unused_line", lambda s, w: {"reason": "merged"}, ok=204),
    ("phase-list", "GET"): listing("phase"),
    ("phase-list", "POST"): create(lambda s, w: {"plan": s["plan"].pk, "kind": "other", "title": "Extra"}),
    ("phase-detail", "GET"): read("phase"),
    ("phase-detail", "PATCH"): write("phase", lambda s, w: {"description": "Relevamiento"}),
    ("phase-start", "POST"): write("startable_phase"),
    ("phase-complete", "POST"): write("phase", lambda s, w: {"agreement": s["adopted_agreement"].pk}),
    ("phase-skip", "POST"): write("pending_phase", lambda s, w: {"reason": "Not needed"}),
    # --- forums and agreements
    ("forum-list", "GET"): listing("forum"),
    ("forum-list", "POST"): create(
        lambda s, w: {"phase": s["phase"].pk, "title": "Foro II", "starts_at": f"{today(20)}T08:30:00-03:00"}
    ),
    ("forum-detail", "GET"): read("forum"),
    ("forum-detail", "PATCH"): write("forum", lambda s, w: {"venue": "Sociedad Rural de Tucumán"}),
    ("forum-hold", "POST"): write("past_forum", lambda s, w: {"minutes": "Acta del foro"}),
    ("forum-cancel", "POST"): write("forum", lambda s, w: {"reason": "Rain"}),
    ("forum-ics", "GET"): read("forum"),
    ("forum-rsvp", "POST"): write("forum", lambda s, w: {"answer": "maybe", "stakeholder": s["stakeholder"].pk},
                                  writers=COORDINATOR_STAKEHOLDER),
    ("forum-attendance", "GET"): read("forum"),
    ("forum-attendance", "POST"): write("forum", lambda s, w: {"organization": s["organization2"].pk}, ok=201),
    ("forum-attendance-remove", "DELETE"): write(
        "forum", ok=204, kwargs=lambda s: {"attendance_id": s["attendance"].pk}
    ),
    ("agreement-list", "GET"): listing("agreement"),
    ("agreement-list", "POST"): create(
        lambda s, w: {"plan": s["plan"].pk, "title": "Adoptar ejes", "subject": "adopt_strategic_lines"}
    ),
    ("agreement-detail", "GET"): read("agreement"),
    ("agreement-close", "POST"): write("agreement"),
    ("agreement-positions", "GET"): read("agreement"),
    ("agreement-positions", "POST"): write(
        "agreement", lambda s, w: {"organization": s["organization"].pk, "position": "agree"}, ok=201,
        writers=COORDINATOR_STAKEHOLDER,
    ),
    # --- projects (projects/api)
    ("plan-dashboard", "GET"): read("plan"),
    ("project-list", "GET"): listing("project"),
    ("project-list", "POST"): create(
        lambda s, w: {"plan": s["plan"].pk, "code": "P-NEW", "title": "Sala de maduración", "category": "quality"}
    ),
    ("project-detail", "GET"): read("project"),
    ("project-detail", "PATCH"): write("project", lambda s, w: {"title": "Marca colectiva"}),
    ("project-transition", "POST"): write("project", lambda s, w: {"to": "formulated"}),
    ("project-beneficiaries", "POST"): write("project", lambda s, w: {"organization": s["organization2"].pk}, ok=201),
    ("project-beneficiary", "DELETE"): write("project", kwargs=lambda s: {"organization_id": s["organization"].pk}),
    ("project-funding-lines", "POST"): write(
        "project", lambda s, w: {"source": "provincial", "currency": "ARS", "budget": "1000.00"}, ok=201
    ),
    ("project-funding-line", "PATCH"): write(
        "project", lambda s, w: {"description": "ANR"}, kwargs=lambda s: {"line_id": s["funding_line"].pk}
    ),
    ("project-expenditures", "GET"): read("project", kwargs=lambda s: {"line_id": s["funding_line"].pk}),
    ("project-expenditures", "POST"): write(
        "project", lambda s, w: {"amount": "250.00", "spent_on": today(), "description": "Certificado 1"}, ok=201,
        kwargs=lambda s: {"line_id": s["funding_line"].pk},
    ),
    ("milestone-list", "GET"): listing("milestone"),
    ("milestone-list", "POST"): create(
        lambda s, w: {"project": s["project"].pk, "title": "Licitación", "due_date": today(30)}
    ),
    ("milestone-detail", "GET"): read("milestone"),
    ("milestone-detail", "PATCH"): write("milestone", lambda s, w: {"title": "Licitación pública"}),
    ("milestone-start", "POST"): write("milestone"),
    ("milestone-complete", "POST"): write("milestone", lambda s, w: {"completed_on": today()}),
    ("milestone-reschedule", "POST"): write("milestone", lambda s, w: {"due_date": today(60), "reason": "Lluvias"}),
    ("milestone-cancel", "POST"): write("milestone", lambda s, w: {"reason": "Desistido"}),
    ("milestone-updates", "GET"): read("milestone"),
    ("milestone-updates", "POST"): write(
        "milestone", lambda s, w: {"note": "Pliegos listos"}, ok=201, writers=COORDINATOR_STAKEHOLDER
    ),
    ("indicator-list", "GET"): listing("indicator"),
    ("indicator-list", "POST"): create(lambda s, w: {
        "plan": s["plan"].pk, "name": "Leche procesada", "unit": "l/day", "baseline_value": "50000",
        "baseline_date": today(-30), "target_value": "75000", "target_date": today(365),
    }),
    ("indicator-detail", "GET"): read("indicator"),
    ("indicator-detail", "PATCH"): write("indicator", lambda s, w: {"unit": "l/día"}),
    ("indicator-measurements", "GET"): read("indicator"),
    ("indicator-measurements", "POST"): write(
        "indicator", lambda s, w: {"measured_on": today(), "value": "61000"}, ok=201
    ),
    # --- audit (plans/audit): history is for coordinators and auditors
    ("plan-history", "GET"): read("plan", readers=OVERSIGHT),
    ("plan-history-export", "GET"): read("plan", readers=OVERSIGHT, query=lambda s: {"format": "jsonl"}),
    ("plan-compare", "GET"): read(
        "plan", readers=OVERSIGHT, query=lambda s: {"from": "2012-01-01T00:00:00Z"}
    ),
    ("audit-verify", "GET"): Case("global_read", readers=OVERSIGHT),
    ("audit-chain-export", "GET"): read("cluster", readers=OVERSIGHT, pk_kwarg="chain_id"),
    # --- notifications
    ("subscription-list", "GET"): listing("subscription"),
    ("subscription-list", "POST"): create(
        lambda s, w: {"stakeholder": s["stakeholder"].pk, "scope": "project", "scope_id": s["project"].pk},
        writers=COORDINATOR_STAKEHOLDER,
    ),
    ("subscription-detail", "GET"): read("subscription"),
    ("subscription-detail", "PATCH"): write(
        "subscription", lambda s, w: {"frequency": "weekly"}, writers=COORDINATOR_STAKEHOLDER
    ),
    ("subscription-detail", "DELETE"): write("subscription", ok=204, writers=COORDINATOR_STAKEHOLDER),
    ("reminder-policy-list", "GET"): listing("reminder_policy"),
    ("reminder-policy-list", "POST"): create(lambda s, w: {"plan": s["plan2"].pk, "overdue_every_days": 3}),
    ("reminder-policy-detail", "GET"): read("reminder_policy"),
    ("reminder-policy-detail", "PATCH"): write("reminder_policy", lambda s, w: {"overdue_every_days": 5}),
    ("delivery-list", "GET"): listing("delivery", readers=OVERSIGHT),
    ("delivery-detail", "GET"): read("delivery", readers=OVERSIGHT),
}


def visible(role: str, scope: str, readers: frozenset[str]) -> bool:
    if role == "admin":
        return True
    if role not in readers:
        return False
    return role == "global_auditor" or scope == "own"


def expected(case: Case, role: str, scope: str) -> set[int]:
    """The acceptable status codes for `role` acting on an object of its own or another cluster."""
    if case.kind == "public":
        return {case.ok}
    if role == "anonymous":
        return {401}
    if role == "admin":
        return {case.ok}
    if case.kind == "authenticated":
        return {case.ok}
    if case.kind == "admin":
        return {403}
    if case.kind == "list":
        return {200}
    if case.kind == "global_read":
        return {case.ok} if role in case.readers else {403}
    if case.kind == "read":
        if visible(role, scope, case.readers):
            return {case.ok}
        # Seeing the cluster but not this kind of data may be a 403; not seeing it is a 404.
        return {404} if visible(role, scope, ALL_READERS) is False else {403, 404}
    # write / create
    if role not in case.writers:
        if case.kind == "write" and not visible(role, scope, case.readers):
            return {404}  # an object the user may not see is not found, whatever the method
        return {403}
    if scope == "own":
        return {case.ok}
    return {400, 404} if case.kind == "create" else {404}
