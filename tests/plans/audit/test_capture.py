"""On PostgreSQL and on SQLite: writes that bypass the services are caught at the database and
sealed into the history as events made outside the application (source "database",
outside_app=True); writes of a transaction that records history are not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from plans.audit.capture import capture_problems, captured_models
from plans.audit.seal import pending_count, seal_outside_writes
from plans.audit.verify import verify_chains
from plans.models import HistoryEvent, Phase, Plan, Role, Source
from plans.services.history import Actor, declare_application_write, record_event

from .helpers import change, make_cluster, make_phase, make_plan

# Captures are final at commit (PostgreSQL's triggers are deferred; SQLite leaves the copies
# of the transaction in progress alone), so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plan() -> Plan:
    plan = make_plan(make_cluster())
    assert pending_count() == 0
    return plan


def outside_events(plan: Plan) -> list[HistoryEvent]:
    return list(HistoryEvent.objects.filter(plan_id=plan.pk, outside_app=True).order_by("id"))


def raw(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_every_domain_table_has_its_capture_triggers() -> None:
    tables = {m._meta.db_table for m in captured_models()}
    assert {"plans_plan", "plans_phase", "projects_milestone", "projects_project"} <= tables
    assert capture_problems(connection) == []


def test_service_writes_are_not_captured(plan: Plan) -> None:
    change(plan, vision="Calidad")
    phase = make_phase(plan)
    change(phase, title="Primer foro")
    assert pending_count() == 0
    assert seal_outside_writes() == 0


def test_queryset_update_is_captured_and_sealed_with_old_and_new(plan: Plan) -> None:
    Plan.objects.filter(pk=plan.pk).update(vision="cambiada a mano")  # autocommit: its own transaction
    assert pending_count() == 1
    assert seal_outside_writes() == 1
    assert pending_count() == 0
    [event] = outside_events(plan)
    assert event.source == Source.DATABASE and event.action == "update"
    assert event.changes == {"vision": ["", "cambiada a mano"]}
    assert event.object_type == "plans.plan" and event.object_id == plan.pk
    assert event.chain_id == plan.cluster_id and event.context["db_user"]
    assert event.actor_label.startswith("db:")
    assert verify_chains().ok  # sealed events are chained like any other


def test_bulk_update_raw_insert_and_delete_are_captured(plan: Plan) -> None:
    first, second = make_phase(plan, 1, "Lanzamiento"), make_phase(plan, 2, "Diagnóstico")
    first.title, second.title = "Lanzamiento (editado)", "Diagnóstico (editado)"
    Phase.objects.bulk_update([first, second], ["title"])
    raw("DELETE FROM plans_phase WHERE id = %s", [second.pk])
    assert seal_outside_writes() == 3
    events = outside_events(plan)
    assert [(e.action, e.object_id) for e in events] == [
        ("update", first.pk), ("update", second.pk), ("delete", second.pk)
    ]
    assert events[0].changes == {"title": ["Lanzamiento", "Lanzamiento (editado)"]}
    assert events[2].changes["title"] == ["Diagnóstico (editado)", None]  # the last values
    assert events[2].changes["order"] == [2, None]


def test_values_are_sealed_as_a_service_records_them(plan: Plan) -> None:
    """Dates, money and JSON come back from the database's row copy in the history's own form."""
    from projects.models import FundingLine, Milestone
    from tests.factories import FundingLineFactory, MilestoneFactory

    with transaction.atomic():
        declare_application_write("test rows")
        milestone = MilestoneFactory.create(project__plan=plan, due_date=dt.date(2026, 3, 1))
        line = FundingLineFactory.create(project=milestone.project, budget=Decimal("150000.00"))
    Milestone.objects.filter(pk=milestone.pk).update(due_date=dt.date(2026, 4, 15))
    FundingLine.objects.filter(pk=line.pk).update(budget=Decimal("200000"))
    Plan.objects.filter(pk=plan.pk).update(updated_at=dt.datetime(2026, 5, 1, 12, 30, tzinfo=dt.UTC))
    assert seal_outside_writes() == 3
    due, budget, stamp = outside_events(plan)
    assert due.changes == {"due_date": ["2026-03-01", "2026-04-15"]}
    assert budget.object_type == "projects.fundingline"
    assert budget.changes == {"budget": ["150000.00", "200000.00"]}
    # Only bookkeeping moved: recorded all the same, with the time in UTC.
    assert stamp.changes["updated_at"][1] == "2026-05-01T12:30:00+00:00"


def test_a_service_transaction_covers_its_derived_queryset_updates(plan: Plan) -> None:
    with transaction.atomic():
        change(plan, vision="Calidad")
        Plan.objects.filter(pk=plan.pk).update(progress=10)  # as the milestone services keep progress
    assert pending_count() == 0


def test_a_write_before_the_event_in_the_same_transaction_is_the_applications(plan: Plan) -> None:
    with transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(progress=20)  # as a service writes its row first
        record_event(actor=Actor.system(Source.COMMAND), action="update", instance=plan,
                     changes={"progress": [0, 20]})
    assert pending_count() == 0


def test_an_event_rolled_back_with_its_savepoint_covers_nothing(plan: Plan) -> None:
    with transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(vision="antes")
        try:
            with transaction.atomic():
                change(plan, vision="Calidad")
                raise RuntimeError("the service fails after recording")
        except RuntimeError:
            pass
        Plan.objects.filter(pk=plan.pk).update(progress=30)
    assert pending_count() == 2  # both raw writes: the event that would have covered them is gone
    assert seal_outside_writes() == 2
    assert [list(e.changes) for e in outside_events(plan)] == [["vision"], ["progress"]]


def test_an_event_in_a_released_savepoint_covers_the_whole_transaction(plan: Plan) -> None:
    with transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(progress=40)
        sid = transaction.savepoint()
        change(plan, vision="Calidad")
        transaction.savepoint_commit(sid)
        Plan.objects.filter(pk=plan.pk).update(progress=41)
    assert pending_count() == 0


def test_a_manual_savepoint_rollback_takes_the_event_away_too(plan: Plan) -> None:
    with transaction.atomic():
        sid = transaction.savepoint()
        change(plan, vision="Calidad")
        transaction.savepoint_rollback(sid)
        Plan.objects.filter(pk=plan.pk).update(progress=50)
    assert pending_count() == 1


def test_the_next_transaction_is_judged_on_its_own(plan: Plan) -> None:
    change(plan, vision="Calidad")  # recorded history and committed
    with transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(progress=60)  # same connection, new transaction
    assert pending_count() == 1


def test_a_declared_bulk_write_leaves_one_event_and_is_not_captured(plan: Plan) -> None:
    from tests.factories import MilestoneFactory

    with transaction.atomic():
        MilestoneFactory.create_batch(3, project__plan=plan)
        event = declare_application_write("three milestones for the test")
    assert pending_count() == 0
    assert event.action == "bulk_write" and event.chain_id == 0 and event.reason.startswith("three")
    assert verify_chains().ok


def test_sealed_changes_show_in_the_timeline_marked_outside_the_application(
    plan: Plan, user_with_role: Callable[..., Any], client_for: Callable[..., Any],
) -> None:
    Plan.objects.filter(pk=plan.pk).update(title="Renombrado por SQL")
    with transaction.atomic():
        declare_application_write("test users")
        auditor = user_with_role("aud", Role.AUDITOR, plan.cluster)
    body = client_for(auditor).get(f"/api/v1/plans/{plan.pk}/history/").json()  # seals just in time
    newest = body["results"][0]
    assert newest["outside_app"] is True and newest["source"] == "database"
    assert newest["changes"] == [
        {"field": "title", "label": "title", "old": "PMC lácteo", "new": "Renombrado por SQL"}
    ]


def test_a_projects_row_changed_by_sql_lands_in_its_plans_timeline_via_the_command(plan: Plan) -> None:
    from projects.models import Milestone
    from tests.factories import MilestoneFactory

    with transaction.atomic():
        declare_application_write("arranged rows")  # not an outside write
        milestone = MilestoneFactory.create(project__plan=plan, title="Estudio de mercado")
    assert pending_count() == 0
    Milestone.objects.filter(pk=milestone.pk).update(title="Estudio de mercado (SQL)", weight=3)
    out = StringIO()
    call_command("seal_history", stdout=out)
    assert out.getvalue().startswith("1 change")
    [event] = outside_events(plan)
    assert event.object_type == "projects.milestone" and event.chain_id == plan.cluster_id
    assert event.changes == {"title": ["Estudio de mercado", "Estudio de mercado (SQL)"], "weight": [1, 3]}
