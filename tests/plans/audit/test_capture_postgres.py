"""PostgreSQL: a session cannot pass a raw write off as the application's.

The mark `pmc.app_write` counts only when it names an event appended by the same transaction
(the event row's `txid`); every forgery below is captured, sealed as a change made outside
the application, and shown by the verification.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, connection, transaction

from plans.audit.capture import CAPTURE_TRIGGER, capture_problems
from plans.audit.guards import guard_problems
from plans.audit.seal import pending_count, seal_outside_writes
from plans.audit.verify import audit
from plans.models import HistoryEvent, Plan, Source
from plans.services.history import HASHED_FIELDS, compute_hash
from plans.services.history.marker import PG_MARKER

from .helpers import change, make_cluster, make_plan

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def plan(on_postgres: None) -> Plan:
    plan = make_plan(make_cluster())
    assert pending_count() == 0
    return plan


def forged_update(plan: Plan, marker: str, *, before: str = "") -> None:
    """A session with the application's credentials: set the mark by hand, then write raw SQL."""
    with transaction.atomic(), connection.cursor() as cursor:
        if before:
            cursor.execute(before)
        cursor.execute("SELECT set_config(%s, %s, true)", [PG_MARKER, marker])
        cursor.execute("UPDATE plans_plan SET title = %s WHERE id = %s", ["Plan forjado", plan.pk])


def test_setting_the_mark_by_hand_is_captured_sealed_and_shown_by_verify(plan: Plan) -> None:
    forged_update(plan, "1")  # the forgery of issue 12, item 7
    assert pending_count() == 1
    out = StringIO()
    call_command("verify_history", stdout=out)  # seals, then verifies: ok, with the change named
    [event] = HistoryEvent.objects.filter(plan_id=plan.pk, outside_app=True)
    assert event.source == Source.DATABASE and event.changes == {"title": ["PMC lácteo", "Plan forjado"]}
    assert f"1 made outside the application (latest: event #{event.pk})" in out.getvalue()
    report = audit()
    assert report.ok and report.pending_outside_writes == 0
    [chain] = [c for c in report.chains if c.chain_id == plan.cluster_id]
    assert chain.outside_app_events == 1 and chain.last_outside_app_sequence == event.pk


def test_naming_a_real_event_of_another_transaction_is_captured(plan: Plan) -> None:
    earlier = HistoryEvent.objects.filter(plan_id=plan.pk).latest("id")
    forged_update(plan, str(earlier.pk))
    assert pending_count() == 1


@pytest.mark.parametrize("marker", ["abc", "99999999999999999999", "-1", "1; SELECT 1", ""])
def test_a_mark_that_names_no_event_is_captured_without_error(plan: Plan, marker: str) -> None:
    forged_update(plan, marker)
    assert pending_count() == 1


def test_a_temporary_table_cannot_stand_in_for_the_history(plan: Plan) -> None:
    """pg_temp comes first in a default search_path; the capture function pins its own."""
    forged_update(
        plan, "1",
        before="CREATE TEMP TABLE plans_historyevent ON COMMIT DROP AS SELECT 1::bigint AS id, txid_current() AS txid",
    )
    assert pending_count() == 1


def test_a_session_level_mark_does_not_outlive_its_transaction(plan: Plan) -> None:
    with transaction.atomic():
        change(plan, vision="Calidad")
        with connection.cursor() as cursor:  # keep the real event's id for the whole session
            cursor.execute("SELECT set_config(%s, current_setting(%s), false)", [PG_MARKER, PG_MARKER])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE plans_plan SET title = %s WHERE id = %s", ["Después", plan.pk])
    assert pending_count() == 1
    with connection.cursor() as cursor:
        cursor.execute("RESET pmc.app_write")


def test_each_event_carries_its_transaction_id_outside_the_hashed_content(plan: Plan) -> None:
    with transaction.atomic():
        change(plan, vision="Calidad")
        with connection.cursor() as cursor:
            cursor.execute("SELECT txid_current(), current_setting(%s)", [PG_MARKER])
            txid, marker = cursor.fetchone()
    event = HistoryEvent.objects.get(pk=int(marker))  # the mark names the event just appended
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid FROM plans_historyevent WHERE id = %s", [event.pk])
        assert cursor.fetchone()[0] == txid
    assert "txid" not in HASHED_FIELDS and "txid" not in {f.name for f in HistoryEvent._meta.fields}
    assert compute_hash(event) == event.hash


def test_a_disabled_capture_trigger_or_a_replaced_function_is_reported_and_migrate_repairs_it(
    plan: Plan,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE projects_milestone DISABLE TRIGGER {CAPTURE_TRIGGER}")
        # What a database owner could do: keep the function, make it record nothing.
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {CAPTURE_TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN NULL; END; $$"
        )
    assert capture_problems(connection) == [
        f"function {CAPTURE_TRIGGER}() was altered", "capture trigger on projects_milestone is disabled",
    ]
    assert not audit().ok
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias, apps=apps)
    assert capture_problems(connection) == ["capture trigger on projects_milestone is disabled"]  # left to a person
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE projects_milestone ENABLE TRIGGER {CAPTURE_TRIGGER}")
    assert guard_problems(connection) == []
    forged_update(plan, "1")
    assert pending_count() == 1  # the repaired function captures again


def test_a_captured_change_cannot_be_deleted_or_rewritten_before_it_is_sealed(plan: Plan) -> None:
    Plan.objects.filter(pk=plan.pk).update(title="Plan forjado")
    for statement in (
        "DELETE FROM pmc_outside_write",
        "UPDATE pmc_outside_write SET new_row = old_row",
    ):
        with pytest.raises(DatabaseError, match="pmc_outside_write"), transaction.atomic(), connection.cursor() as c:
            c.execute(statement)
    # Nor by appending some unrelated event first: only an event that seals it removes it.
    with pytest.raises(DatabaseError, match="only by sealing"), transaction.atomic():
        change(plan, vision="Calidad")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM pmc_outside_write")
    assert pending_count() == 1
    assert seal_outside_writes() == 1 and pending_count() == 0
