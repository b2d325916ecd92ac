"""SQLite: the capture triggers call functions that only this project's Django connections
define, so another program cannot write to a domain table, and a trigger dropped or altered
is reported by the verification until `migrate` puts it back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, transaction

from plans.audit.capture import capture_problems, sqlite_trigger_name
from plans.audit.seal import pending_count, seal_outside_writes
from plans.models import HistoryEvent, Plan, Role
from plans.services.history import declare_application_write
from plans.services.history.marker import on_connection_created, session_of

from .helpers import make_cluster, make_plan

pytestmark = pytest.mark.django_db(transaction=True)

MILESTONE_UPDATE = sqlite_trigger_name("projects_milestone", "UPDATE")


@pytest.fixture
def plan(on_sqlite: None) -> Plan:
    plan = make_plan(make_cluster())
    assert pending_count() == 0
    return plan


def other_program() -> sqlite3.Connection:
    """The same database opened by another program (the sqlite3 shell, a script)."""
    settings = connection.settings_dict
    name = settings["TEST"]["NAME"] or settings["NAME"]
    return sqlite3.connect(str(name), uri=str(name).startswith("file:"), isolation_level=None)


def test_another_program_can_read_but_not_write_a_domain_table(plan: Plan) -> None:
    other = other_program()
    try:
        assert other.execute("SELECT title FROM plans_plan WHERE id = ?", [plan.pk]).fetchone() == ("PMC lácteo",)
        with pytest.raises(sqlite3.OperationalError, match="no such function: pmc_capture_txn"):
            other.execute("UPDATE plans_plan SET title = 'sin rastro' WHERE id = ?", [plan.pk])
    finally:
        other.close()
    plan.refresh_from_db()
    assert plan.title == "PMC lácteo"


def test_raw_sql_in_autocommit_is_captured_with_who_wrote_it(plan: Plan) -> None:
    with connection.cursor() as cursor:  # no atomic(): the statement is its own transaction
        cursor.execute("UPDATE plans_plan SET vision = 'a mano' WHERE id = %s", [plan.pk])
    assert seal_outside_writes() == 1
    [event] = HistoryEvent.objects.filter(plan_id=plan.pk, outside_app=True)
    assert event.changes == {"vision": ["", "a mano"]}
    assert event.context["db_user"] and "pid" in event.context["application_name"]
    assert event.context["table"] == "plans_plan" and event.context["operation"] == "UPDATE"


def test_the_copies_of_the_transaction_in_progress_wait_for_its_end(plan: Plan) -> None:
    with transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(progress=5)
        assert pending_count() == 0 and seal_outside_writes() == 0  # it may still record an event
    assert pending_count() == 1


def test_a_reconnected_connection_keeps_one_watcher_and_still_captures(plan: Plan) -> None:
    first = session_of(connection)
    # What Django does on each new connection (an in-memory test database never really closes).
    on_connection_created(sender=type(connection), connection=connection)
    session = session_of(connection)
    assert session is not None and session is not first
    watchers = [w for w in connection.execute_wrappers if getattr(w, "__self__", None).__class__ is type(session)]
    assert watchers == [session.watch]
    Plan.objects.filter(pk=plan.pk).update(progress=7)
    assert pending_count() == 1


def test_a_dropped_capture_trigger_fails_verification_until_migrate_restores_it(
    plan: Plan, user_with_role: Callable[..., Any], client_for: Callable[..., Any],
) -> None:
    with transaction.atomic():
        declare_application_write("test users")
        auditor = user_with_role("aud", Role.AUDITOR, plan.cluster)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {MILESTONE_UPDATE}")
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_history", stdout=out)
    assert exit_info.value.code == 1
    assert f"GUARD MISSING: capture trigger {MILESTONE_UPDATE} is missing" in out.getvalue()
    body = client_for(auditor).get("/api/v1/audit/verify/").json()
    assert body["ok"] is False and body["guard_problems"] == [f"capture trigger {MILESTONE_UPDATE} is missing"]
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias, apps=apps)
    assert capture_problems(connection) == []
    assert client_for(auditor).get("/api/v1/audit/verify/").json()["ok"] is True


def test_a_capture_trigger_replaced_by_one_that_records_nothing_is_reported(plan: Plan) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {MILESTONE_UPDATE}")
        cursor.execute(f"CREATE TRIGGER {MILESTONE_UPDATE} AFTER UPDATE ON projects_milestone BEGIN SELECT 1; END")
    assert capture_problems(connection) == [f"capture trigger {MILESTONE_UPDATE} was altered"]
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_history", "--json", stdout=out)
    assert json.loads(out.getvalue())["guard_problems"] == [f"capture trigger {MILESTONE_UPDATE} was altered"]
