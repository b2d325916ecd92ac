"""The page role matrix: for every web route (namespaces plans, projects, notifications) and
method, who gets what. tests/test_web_matrix.py walks the URL resolver and FAILS for any route
without a row here, so a page cannot ship without its access rules stated and checked.

`TABLE[(namespaced url name, METHOD)]` says what kind of page it is; `expected()` turns that
into the status codes each role must get for an object of its own cluster and of another one.
Roles and the world (clusters "own" and "other" with every object) come from
tests/world.py, as for the API matrix.

Kinds:
- public: anyone gets `ok`, anonymous included (the login page; `by_role` for the rest);
- authenticated: anonymous is sent to the login page (302), anyone logged in gets `ok`;
- read: a page of one object: 200 for roles that may see it, 404 for an object of a cluster
  the user may not see (403 allowed for roles in ALL_READERS but not in `readers`);
- write: a form page (GET) or an action (POST) on one object: `ok` for the writers of the
  object's cluster and admins; 403 for other roles that may see it; 404 for an object the
  user may not see (writers of another cluster included: no probing of ids).
`by_role={"stakeholder": 302}` overrides the result of a role (both scopes) where a page
sends people elsewhere (home -> portfolio / plan).

Every page adds its rows here. Bodies of POSTs are built from the side (cluster) under test.
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
LOGIN_REDIRECT = 302


@dataclass(frozen=True)
class Case:
    kind: str
    target: str | None = None  # world object whose pk fills the route's `pk_kwarg`
    pk_kwarg: str = "pk"
    ok: int = 200
    body: Body | None = None
    kwargs: Callable[[Side], dict[str, Any]] | None = None
    query: Callable[[Side], dict[str, Any]] | None = None
    writers: frozenset[str] = COORDINATOR
    readers: frozenset[str] = ALL_READERS
    by_role: dict[str, int] = field(default_factory=dict)
    notes: str = ""


def read(target: str, pk_kwarg: str, **kw: Any) -> Case:
    return Case("read", target=target, pk_kwarg=pk_kwarg, **kw)


def write(target: str, pk_kwarg: str, body: Body | None = None, ok: int = 302, **kw: Any) -> Case:
    return Case("write", target=target, pk_kwarg=pk_kwarg, body=body, ok=ok, **kw)


def local_ahead(*, days: int) -> str:
    """A datetime-local input value `days` from today at 09:00, read when the body is built."""
    return f"{(timezone.localdate() + dt.timedelta(days=days)).isoformat()}T09:00"


# POSTs on a person's own stakeholder record: the users without one find nobody to act for.
OWN_RECORD_ONLY = {"admin": 404, "coordinator": 404, "auditor": 404, "global_auditor": 404}
LOGGED_IN = {"admin": 302, "coordinator": 302, "stakeholder": 302, "auditor": 302, "global_auditor": 302}

TABLE: dict[tuple[str, str], Case] = {
    # --- the front door (plans/web/auth.py, home.py)
    ("plans:login", "GET"): Case("public", by_role=LOGGED_IN, notes="logged in -> home"),
    ("plans:login", "POST"): Case(
        "public", ok=302, body=lambda s, w: {"username": "coordinator", "password": "pass-1234"},
        notes="anyone may try to log in; the test user's password is the factories' TEST_PASSWORD",
    ),
    ("plans:login-page", "GET"): Case("public", by_role=LOGGED_IN),
    ("plans:login-page", "POST"): Case(
        "public", ok=302, body=lambda s, w: {"username": "coordinator", "password": "pass-1234"}
    ),
    ("plans:logout", "POST"): Case("authenticated", ok=302, by_role={"anonymous": 302}),
    ("plans:password_reset", "GET"): Case("public"),
    ("plans:password_reset", "POST"): Case("public", ok=302, body=lambda s, w: {"email": "coordinator@example.org"}),
    ("plans:password_reset_done", "GET"): Case("public"),
    ("plans:password_reset_confirm", "GET"): Case(
        "public", kwargs=lambda s: {"uidb64": "MQ", "token": "set-password"}, notes="an invalid link: a page saying so"
    ),
    ("plans:password_reset_confirm", "POST"): Case(
        "public", kwargs=lambda s: {"uidb64": "MQ", "token": "set-password"},
        body=lambda s, w: {"new_password1": "x", "new_password2": "x"}, notes="invalid link: nothing changes",
    ),
    ("plans:password_reset_complete", "GET"): Case("public"),
    # Personal links (tests/plans/web/test_personal_links.py covers good, expired and revoked ones).
    ("plans:link", "GET"): Case("public", ok=400, kwargs=lambda s: {"token": "not-a-token"},
                                notes="an altered link: the page asking for the address"),
    ("plans:link-fresh", "POST"): Case("public", body=lambda s, w: {"email": "nobody@example.org"},
                                       notes="the same answer whether or not the address is known"),
    ("plans:link-sign-out", "POST"): Case("public"),
    ("plans:home", "GET"): Case(
        "authenticated", by_role={"admin": 302, "global_auditor": 302, "coordinator": 302, "stakeholder": 302},
        notes="admins and all-cluster auditors -> portfolio; a one-cluster coordinator -> the plan; "
              "a stakeholder with a stakeholder record -> their own home (notifications:me)",
    ),
    # --- forums, attendance, agreements and phases (plans/web/forums.py, checkin.py, agreements.py, phases.py)
    ("plans:forum-list", "GET"): read("plan", "plan_id"),
    ("plans:forum-schedule", "GET"): write("plan", "plan_id", ok=200),
    ("plans:forum-schedule", "POST"): write("plan", "plan_id", body=lambda s, w: {
        "phase": s["phase"].pk, "title": "Foro nuevo", "starts_at": local_ahead(days=90)}),
    ("plans:forum-detail", "GET"): read("forum", "forum_id"),
    ("plans:forum-rsvp", "POST"): write("forum", "forum_id", body=lambda s, w: {
        "answer": "yes", "stakeholder": s["stakeholder"].pk}, writers=COORDINATOR_STAKEHOLDER,
        notes="FORUM rsvp: coordinators for any person of the cluster; the world's stakeholder is "
              "`stakeholder`, so replies for themselves (anyone else: the service's 403)"),
    ("plans:forum-ics", "GET"): read("forum", "forum_id"),
    ("plans:forum-edit", "GET"): write("forum", "forum_id", ok=200),
    ("plans:forum-edit", "POST"): write("forum", "forum_id", body=lambda s, w: {
        "version": s["forum"].version, "title": "Foro movido", "starts_at": local_ahead(days=91)}),
    ("plans:forum-agenda", "GET"): write("forum", "forum_id", ok=200),
    ("plans:forum-agenda", "POST"): write("forum", "forum_id", body=lambda s, w: {
        "version": s["forum"].version, "agenda": "Orden del día"}),
    ("plans:forum-cancel", "GET"): write("forum", "forum_id", ok=200),
    ("plans:forum-cancel", "POST"): write("forum", "forum_id", body=lambda s, w: {
        "version": s["forum"].version, "reason": "Lluvia"}),
    ("plans:forum-hold", "GET"): write("past_forum", "forum_id", ok=200),
    ("plans:forum-hold", "POST"): write("past_forum", "forum_id", body=lambda s, w: {
        "version": s["past_forum"].version, "minutes": "Acta"}),
    ("plans:forum-checkin", "GET"): read("forum", "forum_id", query=lambda s: {"q": "dairy"}),
    ("plans:attendance-add", "POST"): write("forum", "forum_id", ok=303, body=lambda s, w: {
        "organization": s["organization2"].pk, "q": "dairy"}),
    ("plans:attendance-remove", "POST"): write(
        "forum", "forum_id", ok=303, kwargs=lambda s: {"attendance_id": s["attendance"].pk}),
    ("plans:agreement-list", "GET"): read("plan", "plan_id"),
    ("plans:agreement-create", "GET"): write("plan", "plan_id", ok=200),
    ("plans:agreement-create", "POST"): write("plan", "plan_id", body=lambda s, w: {
        "title": "Acuerdo nuevo", "subject": "other", "rule": "consent", "quorum_percent": "50"}),
    ("plans:agreement-detail", "GET"): read("agreement", "agreement_id"),
    ("plans:position-record", "POST"): write("agreement", "agreement_id", body=lambda s, w: {
        "organization": s["organization"].pk, "position": "agree"}, writers=COORDINATOR_STAKEHOLDER,
        notes="AGREEMENT positions: coordinators for any member; the world's stakeholder is a person of "
              "`organization`, so records its position (any other: the service's 403)"),
    ("plans:agreement-close", "POST"): write("agreement", "agreement_id", body=lambda s, w: {
        "version": s["agreement"].version}),
    ("plans:agreement-position", "GET"): write(
        "agreement", "agreement_id", ok=200, query=lambda s: {"option": "agree"}, writers=COORDINATOR_STAKEHOLDER,
        notes="the confirmation page of an email's option link: shows, records nothing; auditors 403",
    ),
    ("plans:agreement-position", "POST"): write("agreement", "agreement_id", body=lambda s, w: {
        "organization": s["organization"].pk, "position": "agree"}, writers=COORDINATOR_STAKEHOLDER,
        notes="as position-record: the world's stakeholder is a person of `organization`"),
    ("plans:phase-list", "GET"): read("plan", "plan_id"),
    ("plans:phase-start", "GET"): write("startable_phase", "phase_id", ok=200),
    ("plans:phase-start", "POST"): write("startable_phase", "phase_id", body=lambda s, w: {
        "version": s["startable_phase"].version}),
    ("plans:phase-complete", "GET"): write("phase", "phase_id", ok=200),
    ("plans:phase-complete", "POST"): write("phase", "phase_id", body=lambda s, w: {
        "version": s["phase"].version, "agreement": s["adopted_agreement"].pk}),
    ("plans:phase-skip", "GET"): write("pending_phase", "phase_id", ok=200),
    ("plans:phase-skip", "POST"): write("pending_phase", "phase_id", body=lambda s, w: {
        "version": s["pending_phase"].version, "reason": "Cubierta por otra fase"}),
    # --- the auditor's workbench (plans/web/audit): auditors and coordinators of the cluster
    ("plans:history", "GET"): read("plan", "plan_id", readers=OVERSIGHT, query=lambda s: {"q": "x", "source": "web"}),
    ("plans:history-compare", "GET"): read(
        "plan", "plan_id", readers=OVERSIGHT, query=lambda s: {"from": "2000-01-01"}),
    ("plans:history-verify", "GET"): read("plan", "plan_id", readers=OVERSIGHT),
    ("plans:history-verify", "POST"): read(
        "plan", "plan_id", readers=OVERSIGHT,
        notes="runs the chain check (sealing captured changes first): an audit act, not a change to the plan",
    ),
    ("plans:history-export", "GET"): read("plan", "plan_id", readers=OVERSIGHT, query=lambda s: {"format": "csv"}),
    ("plans:history-chain-export", "GET"): read("plan", "plan_id", readers=OVERSIGHT),
    ("plans:history-verify-script", "GET"): Case("authenticated", notes="docs/verify_export.py: no secret in it"),
    # --- projects (projects/web)
    ("projects:portfolio", "GET"): Case(
        "authenticated", by_role={"coordinator": 302, "stakeholder": 302, "auditor": 302},
        notes="every cluster at a glance: admins and all-cluster auditors; others -> home",
    ),
    ("projects:plan", "GET"): read("plan", "plan_id"),
    ("projects:plan-report", "GET"): read("plan", "plan_id", notes="?as_of=: coordinators and auditors only"),
    ("projects:plan-report-pdf", "GET"): read("plan", "plan_id"),
    # --- notifications (notifications/web): coordinators and auditors read, coordinators act
    ("notifications:overview", "GET"): Case(
        "authenticated", by_role={"stakeholder": 403}, notes="the clusters one oversees; stakeholders have none",
    ),
    ("notifications:deliveries", "GET"): read("cluster", "cluster_id", readers=OVERSIGHT),
    ("notifications:delivery-resend", "POST"): write(
        "delivery", "delivery_id", kwargs=lambda s: {"cluster_id": s.cluster.pk},
        notes="a pending row: the service declines, the page says so (302 back to the log)",
    ),
    ("notifications:delivery-mark-sent", "POST"): write(
        "delivery", "delivery_id", kwargs=lambda s: {"cluster_id": s.cluster.pk},
    ),
    ("notifications:subscriptions", "GET"): read("cluster", "cluster_id", readers=OVERSIGHT),
    ("notifications:subscription-new", "GET"): write("cluster", "cluster_id", ok=200),
    ("notifications:subscription-new", "POST"): write(
        "cluster", "cluster_id", lambda s, w: {
            "stakeholder": s["stakeholder"].pk, "about": f"project:{s['project'].pk}", "frequency": "daily",
            "events": ["milestone_completed"],
        },
    ),
    ("notifications:subscription-edit", "GET"): write(
        "subscription", "subscription_id", ok=200, kwargs=lambda s: {"cluster_id": s.cluster.pk},
    ),
    ("notifications:subscription-edit", "POST"): write(
        "subscription", "subscription_id", lambda s, w: {
            "about": f"plan:{s['plan'].pk}", "events": ["forum_reminder"], "frequency": "weekly",
            "is_active": "on", "version": str(s["subscription"].version),
        }, kwargs=lambda s: {"cluster_id": s.cluster.pk},
    ),
    ("notifications:subscription-delete", "GET"): write(
        "subscription", "subscription_id", ok=200, kwargs=lambda s: {"cluster_id": s.cluster.pk},
    ),
    ("notifications:subscription-delete", "POST"): write(
        "subscription", "subscription_id", kwargs=lambda s: {"cluster_id": s.cluster.pk},
    ),
    # A person's own pages (notifications/web/home.py, preferences.py): no id in the address, the
    # session's own stakeholder record only; without one the pages say so and a POST finds nobody.
    ("notifications:me", "GET"): Case("authenticated", notes="the stakeholder's home; others: no record"),
    ("notifications:preferences", "GET"): Case("authenticated"),
    ("notifications:preferences", "POST"): Case(
        "authenticated", ok=302, body=lambda s, w: {"language": "en"}, by_role=OWN_RECORD_ONLY,
        notes="only the world's stakeholder has a stakeholder record (in the own cluster)",
    ),
    ("notifications:preferences-resubscribe", "POST"): Case("authenticated", ok=302, by_role=OWN_RECORD_ONLY),
    ("notifications:preferences-calendar", "POST"): Case("authenticated", ok=302, by_role=OWN_RECORD_ONLY),
    ("notifications:preferences-links", "POST"): Case("authenticated", ok=302, by_role=OWN_RECORD_ONLY),
    ("notifications:reminder-policy", "GET"): read("plan", "plan_id"),
    ("notifications:reminder-policy", "POST"): write(
        "plan", "plan_id", lambda s, w: {
            "due_soon_days": "10, 2", "overdue_every_days": "3", "escalate_after_days": "9",
            "forum_reminder_days": "1", "version": str(s["reminder_policy"].version),
        },
    ),
    ("notifications:agreement-remind", "POST"): write(
        "agreement", "agreement_id", notes="remind the organizations without a position: coordinators",
    ),
    # --- projects: milestone list, calendar and page; project, beneficiary and funding pages (H6)
    ("projects:milestone-list", "GET"): read("plan", "plan_id", query=lambda s: {"overdue": "on", "q": "x"}),
    ("projects:milestone-calendar", "GET"): read("plan", "plan_id", query=lambda s: {"month": "2026-02"}),
    ("projects:milestone", "GET"): read("milestone", "milestone_id"),
    ("projects:project", "GET"): read("project", "project_id"),
    ("projects:project-create", "GET"): write("plan", "plan_id", ok=200),
    ("projects:project-create", "POST"): write("plan", "plan_id", body=lambda s, w: {
        "code": "NEW-1", "title": "New project", "category": "quality", "good_type": "public"}),
    ("projects:project-edit", "GET"): write("project", "project_id", ok=200),
    ("projects:project-edit", "POST"): write("project", "project_id", body=lambda s, w: {
        "version": s["project"].version, "code": s["project"].code, "title": "Renamed", "category": "quality",
        "good_type": "public", "strategic_line": s["strategic_line"].pk}),
    ("projects:project-transition", "POST"): write("project", "project_id", body=lambda s, w: {
        "to": "formulated", "version": s["project"].version}),
    ("projects:beneficiary-add", "POST"): write("project", "project_id", body=lambda s, w: {
        "organization": s["organization2"].pk, "version": s["project"].version}),
    ("projects:beneficiary-remove", "POST"): Case(
        "write", ok=302, kwargs=lambda s: {"project_id": s["project"].pk, "organization_id": s["organization"].pk},
        body=lambda s, w: {"version": s["project"].version}),
    ("projects:funding-line-create", "GET"): write("project", "project_id", ok=200),
    ("projects:funding-line-create", "POST"): write("project", "project_id", body=lambda s, w: {
        "version": s["project"].version, "source": "provincial", "currency": "ARS", "budget": "1500,50"}),
    ("projects:funding-line-edit", "GET"): Case(
        "write", ok=200, kwargs=lambda s: {"project_id": s["project"].pk, "line_id": s["funding_line"].pk}),
    ("projects:funding-line-edit", "POST"): Case(
        "write", ok=302, kwargs=lambda s: {"project_id": s["project"].pk, "line_id": s["funding_line"].pk},
        body=lambda s, w: {"version": s["funding_line"].version, "source": s["funding_line"].source,
                           "currency": s["funding_line"].currency, "budget": "2000.00", "description": "Edited"}),
    ("projects:expenditure-create", "GET"): Case(
        "write", ok=200, kwargs=lambda s: {"project_id": s["project"].pk, "line_id": s["funding_line"].pk}),
    ("projects:expenditure-create", "POST"): Case(
        "write", ok=302, kwargs=lambda s: {"project_id": s["project"].pk, "line_id": s["funding_line"].pk},
        body=lambda s, w: {"amount": "10.00", "spent_on": "2026-01-15", "description": "Fuel"}),
    # --- milestone actions from the pages (projects/web/milestone_actions.py): a form page and its POST
    ("projects:milestone-start", "GET"): write("milestone", "milestone_id", ok=200),
    ("projects:milestone-start", "POST"): write(
        "milestone", "milestone_id", lambda s, w: {"version": s["milestone"].version}
    ),
    ("projects:milestone-complete", "GET"): write("milestone", "milestone_id", ok=200),
    ("projects:milestone-complete", "POST"): write("milestone", "milestone_id", lambda s, w: {
        "version": s["milestone"].version, "completed_on": timezone.localdate().isoformat(), "note": "Hecho",
    }),
    ("projects:milestone-reschedule", "GET"): write("milestone", "milestone_id", ok=200),
    ("projects:milestone-reschedule", "POST"): write("milestone", "milestone_id", lambda s, w: {
        "version": s["milestone"].version, "reason": "Lluvias",
        "due_date": (s["milestone"].due_date + dt.timedelta(days=7)).isoformat(),
    }),
    ("projects:milestone-update", "GET"): write("milestone", "milestone_id", ok=200, writers=COORDINATOR_STAKEHOLDER),
    ("projects:milestone-update", "POST"): write(
        "milestone", "milestone_id", lambda s, w: {"note": "Avance"}, writers=COORDINATOR_STAKEHOLDER,
        notes="MILESTONE updates: the world's stakeholder answers for the milestone (others: the service's 403)",
    ),
}


def visible(role: str, scope: str, readers: frozenset[str]) -> bool:
    if role == "admin":
        return True
    if role not in readers:
        return False
    return role == "global_auditor" or scope == "own"


def expected(case: Case, role: str, scope: str) -> set[int]:
    """The acceptable status codes for `role` on an object of its own or another cluster."""
    if role in case.by_role:
        return {case.by_role[role]}
    if case.kind == "public":
        return {case.ok}
    if role == "anonymous":
        return {LOGIN_REDIRECT}
    if role == "admin" or case.kind == "authenticated":
        return {case.ok}
    if case.kind == "read":
        if visible(role, scope, case.readers):
            return {case.ok}
        return {404} if not visible(role, scope, ALL_READERS) else {403, 404}
    # write
    if not visible(role, scope, ALL_READERS):
        return {404}  # an object the user may not see is not found, whatever the method
    if role not in case.writers:
        return {403}
    return {case.ok} if scope == "own" else {404}
