"""The page role matrix: for every web route (namespaces plans, projects, notifications) and
method, who gets what. tests/test_web_matrix.py walks the URL resolver and FAILS for any route
without a row here, so a page cannot ship without its access rules stated and checked.

`TABLE[(namespaced url name, METHOD)]` says what kind of page it is; `expected()` turns that
into the status codes each role must get for an object of its own cluster and of another one.
Roles and the world (clusters "own" and "other" with every object) come from
tests/api/conftest.py, as for the API matrix.

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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
    ("plans:home", "GET"): Case(
        "authenticated", by_role={"admin": 302, "global_auditor": 302, "coordinator": 302},
        notes="admins and all-cluster auditors -> portfolio; a one-cluster coordinator -> the plan",
    ),
    # --- projects (projects/web)
    ("projects:portfolio", "GET"): Case(
        "authenticated", by_role={"coordinator": 302, "stakeholder": 302, "auditor": 302},
        notes="every cluster at a glance: admins and all-cluster auditors; others -> home",
    ),
    ("projects:plan", "GET"): read("plan", "plan_id"),
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
    ("notifications:reminder-policy", "GET"): read("plan", "plan_id"),
    ("notifications:reminder-policy", "POST"): write(
        "plan", "plan_id", lambda s, w: {
            "due_soon_days": "10, 2", "overdue_every_days": "3", "escalate_after_days": "9",
            "forum_reminder_days": "1", "version": str(s["reminder_policy"].version),
        },
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
