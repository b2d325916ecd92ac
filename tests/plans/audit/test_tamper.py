"""A raw SQL edit of one milestone, on SQLite and on PostgreSQL: `verify_history` and
`GET /api/v1/audit/verify/` show where it is — the captured change sealed into the chain, or,
when the record itself was edited, the event where the chain breaks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from plans.audit.capture import CAPTURE_TRIGGER, sqlite_trigger_name
from plans.audit.seal import pending_count
from plans.models import HistoryEvent, Plan, Role, Source
from plans.services.history import Actor, canonical_json, compute_hash, declare_application_write
from projects.models import Milestone

from .helpers import as_attacker, make_cluster, make_plan

pytestmark = pytest.mark.django_db(transaction=True)  # captures are final at commit

ACTOR = Actor.system(Source.COMMAND)


@pytest.fixture
def milestone() -> Milestone:
    from projects.services.milestones import milestone_create, milestone_update
    from projects.services.projects import project_create

    plan = make_plan(make_cluster())
    with transaction.atomic():
        project = project_create(plan_id=plan.pk, actor=ACTOR, code="P1", title="Calidad de leche",
                                 category="quality")
    milestone = milestone_create(project_id=project.pk, actor=ACTOR, title="Estudio de mercado",
                                 due_date=timezone.localdate() + dt.timedelta(days=90))
    milestone = milestone_update(milestone_id=milestone.pk, actor=ACTOR, values={"weight": 2})
    assert pending_count() == 0  # the services' own writes, progress included, are not captured
    return milestone


@pytest.fixture
def auditor(milestone: Milestone, user_with_role: Callable[..., Any]) -> Any:
    with transaction.atomic():
        declare_application_write("test users")
        return user_with_role("auditora", Role.AUDITOR, milestone.plan.cluster)


def verify_command(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_history", *args, stdout=out)
    except SystemExit as exit_info:
        return int(exit_info.code or 0), out.getvalue()
    return 0, out.getvalue()


def chain_of(body: dict[str, Any], plan: Plan) -> dict[str, Any]:
    [chain] = [c for c in body["chains"] if c["chain_id"] == plan.cluster_id]
    return chain


def milestone_event(milestone: Milestone, **filters: Any) -> HistoryEvent:
    return HistoryEvent.objects.filter(object_type="projects.milestone", object_id=milestone.pk, **filters).get()


def test_a_raw_edit_of_a_milestone_is_sealed_and_named_by_verify(
    milestone: Milestone, auditor: Any, client_for: Callable[..., Any],
) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE projects_milestone SET due_date = %s WHERE id = %s", ["2030-01-01", milestone.pk])

    body = client_for(auditor).get("/api/v1/audit/verify/").json()  # seals, then verifies
    sealed = milestone_event(milestone, outside_app=True)
    assert sealed.source == Source.DATABASE
    assert sealed.changes == {"due_date": [milestone.due_date.isoformat(), "2030-01-01"]}
    chain = chain_of(body, milestone.plan)
    assert body["ok"] is True and body["outside_app_events"] == 1 and body["pending_outside_writes"] == 0
    assert chain["outside_app_events"] == 1 and chain["last_outside_app_sequence"] == sealed.pk

    status, out = verify_command()
    assert status == 0
    assert f"chain {milestone.plan.cluster_id}: ok" in out
    assert f"1 made outside the application (latest: event #{sealed.pk})" in out


def test_a_raw_edit_of_the_milestones_history_event_is_named_where_the_chain_breaks(
    milestone: Milestone, auditor: Any, client_for: Callable[..., Any],
) -> None:
    created = milestone_event(milestone, action="create")
    with as_attacker() as cursor:
        cursor.execute(
            "UPDATE plans_historyevent SET changes = %s WHERE id = %s",
            [canonical_json({**created.changes, "due_date": [None, "2030-01-01"]}), created.pk],
        )
    status, out = verify_command()
    assert status == 1
    assert f"BROKEN (hash_mismatch) at position {created.chain_seq} (event #{created.pk})" in out
    body = client_for(auditor).get("/api/v1/audit/verify/").json()
    assert body["ok"] is False and body["first_bad_sequence"] == created.pk
    assert chain_of(body, milestone.plan)["problem"] == "hash_mismatch"


def test_an_edited_event_with_a_recomputed_hash_breaks_the_next_link(
    milestone: Milestone, auditor: Any, client_for: Callable[..., Any],
) -> None:
    created = milestone_event(milestone, action="create")
    created.changes = {**created.changes, "due_date": [None, "2030-01-01"]}
    following = HistoryEvent.objects.get(chain_id=created.chain_id, chain_seq=created.chain_seq + 1)
    with as_attacker() as cursor:
        cursor.execute(
            "UPDATE plans_historyevent SET changes = %s, hash = %s WHERE id = %s",
            [canonical_json(created.changes), compute_hash(created), created.pk],
        )
    status, out = verify_command()
    assert status == 1 and f"BROKEN (broken_link) at position {following.chain_seq} (event #{following.pk})" in out
    body = client_for(auditor).get("/api/v1/audit/verify/").json()
    assert body["first_bad_sequence"] == following.pk
    assert chain_of(body, milestone.plan)["problem"] == "broken_link"


def test_switching_the_capture_off_to_edit_a_milestone_is_reported_while_it_is_off(
    milestone: Milestone, auditor: Any, client_for: Callable[..., Any],
) -> None:
    """What the owner of the database can do; the report names the hole until `migrate`."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE projects_milestone DISABLE TRIGGER {CAPTURE_TRIGGER}")
            expected = "capture trigger on projects_milestone is disabled"
        else:
            name = sqlite_trigger_name("projects_milestone", "UPDATE")
            cursor.execute(f"DROP TRIGGER {name}")
            expected = f"capture trigger {name} is missing"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE projects_milestone SET title = 'Sin rastro' WHERE id = %s", [milestone.pk])
        assert pending_count() == 0
        status, out = verify_command()
        assert status == 1 and f"GUARD MISSING: {expected}" in out
        body = client_for(auditor).get("/api/v1/audit/verify/").json()
        assert body["ok"] is False and body["guard_problems"] == [expected]
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE projects_milestone ENABLE TRIGGER {CAPTURE_TRIGGER}")
