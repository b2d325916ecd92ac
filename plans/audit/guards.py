"""Database guards around the history: append-only events and forward-only chain heads, and
(capture.py) the capture of domain-row changes made outside the application.

Installed by the migration `plans.0002_history_guards` (guards, capture table and function;
0007 adds what the capture needs on SQLite and the unforgeable mark on PostgreSQL) and, for
the capture triggers on every `VersionedModel` table, by a `post_migrate` hook, so a model
added later gets its triggers on the next `migrate`. The same hook re-creates a guard or
capture trigger found dropped, and `verify_history` reports any guard or capture trigger
missing, disabled or altered (exit status 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from .capture import (
    CAPTURE_TABLE,
    PG_CAPTURE_TABLE_SQL,
    capture_problems,
    captured_models,
    install_capture_triggers,
    pg_capture_function_sql,
    pg_schema,
    tables_with_capture,
)

# --- PostgreSQL -----------------------------------------------------------------------------

# Pinned search_path with pg_temp last: a session's temporary table named plans_historyevent
# cannot stand in for the real one.
PG_GUARD_FUNCTIONS = """
CREATE OR REPLACE FUNCTION pmc_history_append_only() RETURNS trigger LANGUAGE plpgsql
SET search_path = {schema}, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'plans_historyevent is append-only: % refused', TG_OP
    USING HINT = 'History events are never changed or deleted.';
END;
$$;

CREATE OR REPLACE FUNCTION pmc_history_head_forward_only() RETURNS trigger LANGUAGE plpgsql
SET search_path = {schema}, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'history chain heads are never deleted';
  END IF;
  IF NEW.chain_id <> OLD.chain_id OR NEW.last_seq <> OLD.last_seq + 1 OR NOT EXISTS (
      SELECT 1 FROM plans_historyevent e
      WHERE e.chain_id = NEW.chain_id AND e.chain_seq = NEW.last_seq AND e.hash = NEW.last_hash) THEN
    RAISE EXCEPTION 'a history chain head only moves forward, one appended event at a time';
  END IF;
  RETURN NEW;
END;
$$;
"""


def pg_guard_functions_sql(schema: str) -> str:
    return PG_GUARD_FUNCTIONS.replace("{schema}", schema)


# trigger name -> (table, statement); re-created one by one when one is found missing.
PG_GUARD_TRIGGER_SQL = {
    "plans_historyevent_append_only": (
        "plans_historyevent",
        "CREATE TRIGGER plans_historyevent_append_only BEFORE UPDATE OR DELETE ON plans_historyevent\n"
        "  FOR EACH ROW EXECUTE FUNCTION pmc_history_append_only();",
    ),
    "plans_historychainhead_forward_only": (
        "plans_historychainhead",
        "CREATE TRIGGER plans_historychainhead_forward_only BEFORE UPDATE OR DELETE ON plans_historychainhead\n"
        "  FOR EACH ROW EXECUTE FUNCTION pmc_history_head_forward_only();",
    ),
}


def pg_guards_sql(schema: str) -> str:
    """Everything migration 0002 installs on PostgreSQL, in its current form."""
    return "\n".join([
        pg_guard_functions_sql(schema), *(sql + "\n" for _table, sql in PG_GUARD_TRIGGER_SQL.values()),
        PG_CAPTURE_TABLE_SQL, pg_capture_function_sql(schema),
    ])


PG_GUARDS_REVERSE = """
DROP TRIGGER IF EXISTS plans_historyevent_append_only ON plans_historyevent;
DROP TRIGGER IF EXISTS plans_historychainhead_forward_only ON plans_historychainhead;
DROP FUNCTION IF EXISTS pmc_history_append_only();
DROP FUNCTION IF EXISTS pmc_history_head_forward_only();
DROP FUNCTION IF EXISTS pmc_capture_outside_write() CASCADE;
DROP TABLE IF EXISTS pmc_outside_write;
"""

PG_GUARD_TRIGGERS = tuple((table, name) for name, (table, _sql) in PG_GUARD_TRIGGER_SQL.items())

# --- SQLite ---------------------------------------------------------------------------------

SQLITE_GUARDS = (
    """CREATE TRIGGER IF NOT EXISTS plans_historyevent_no_update BEFORE UPDATE ON plans_historyevent
    BEGIN SELECT RAISE(ABORT, 'plans_historyevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS plans_historyevent_no_delete BEFORE DELETE ON plans_historyevent
    BEGIN SELECT RAISE(ABORT, 'plans_historyevent is append-only: DELETE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS plans_historychainhead_forward_only BEFORE UPDATE ON plans_historychainhead
    WHEN NEW.chain_id <> OLD.chain_id OR NEW.last_seq <> OLD.last_seq + 1 OR NOT EXISTS (
        SELECT 1 FROM plans_historyevent e
        WHERE e.chain_id = NEW.chain_id AND e.chain_seq = NEW.last_seq AND e.hash = NEW.last_hash)
    BEGIN SELECT RAISE(ABORT, 'a history chain head only moves forward, one appended event at a time'); END""",
    """CREATE TRIGGER IF NOT EXISTS plans_historychainhead_no_delete BEFORE DELETE ON plans_historychainhead
    BEGIN SELECT RAISE(ABORT, 'history chain heads are never deleted'); END""",
)
SQLITE_TRIGGER_NAMES = (
    "plans_historyevent_no_update",
    "plans_historyevent_no_delete",
    "plans_historychainhead_forward_only",
    "plans_historychainhead_no_delete",
)


def install_guards(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(pg_guards_sql(pg_schema(connection)))
        elif connection.vendor == "sqlite":
            for statement in SQLITE_GUARDS:
                cursor.execute(statement)


def remove_guards(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_GUARDS_REVERSE)
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGER_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


@contextmanager
def guards_suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Switch the append-only guards off for a block, as only a database owner can.

    Used by `flush` (a whole-database wipe, e.g. between transactional tests: SQLite's flush
    is a DELETE) and by the tamper tests, which act as an attacker with database access.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table, trigger in PG_GUARD_TRIGGERS:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGER_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table, trigger in PG_GUARD_TRIGGERS:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            elif connection.vendor == "sqlite":
                for statement in SQLITE_GUARDS:
                    cursor.execute(statement)


# --- Checking and repairing the guards ------------------------------------------------------

GUARDS_MIGRATION = ("plans", "0002_history_guards")


def guard_problems(connection: BaseDatabaseWrapper) -> list[str]:
    """Guard triggers missing (dropped) or disabled, and capture triggers missing, disabled or
    altered: the history is then unprotected or incomplete."""
    problems = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = ANY(%s) AND NOT t.tgisinternal",
                [list(PG_GUARD_TRIGGER_SQL)],
            )
            found = {(table, name): enabled for table, name, enabled in cursor.fetchall()}
            for name, (table, _sql) in PG_GUARD_TRIGGER_SQL.items():
                state = found.get((table, name))
                if state is None:
                    problems.append(f"trigger {name} on {table} is missing")
                elif state == "D":
                    problems.append(f"trigger {name} on {table} is disabled")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
            problems = [f"trigger {name} is missing" for name in SQLITE_TRIGGER_NAMES if name not in present]
    return problems + capture_problems(connection)


def reinstall_missing_guards(connection: BaseDatabaseWrapper) -> list[str]:
    """Re-create guard triggers that were dropped (not those merely disabled, as during
    `guards_suspended`), once the guards migration is applied; returns their names."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return []
    from django.db.migrations.recorder import MigrationRecorder

    if GUARDS_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return []  # not installed yet, or deliberately rolled back
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = ANY(%s)",
                [list(PG_GUARD_TRIGGER_SQL)],
            )
            present = set(cursor.fetchall())
            missing = [name for name, (table, _sql) in PG_GUARD_TRIGGER_SQL.items() if (table, name) not in present]
            if missing:  # CREATE OR REPLACE: the functions may be gone too
                cursor.execute(pg_guard_functions_sql(pg_schema(connection)))
            for name in missing:
                cursor.execute(PG_GUARD_TRIGGER_SQL[name][1])
            return missing
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present_names = {row[0] for row in cursor.fetchall()}
        missing = [name for name in SQLITE_TRIGGER_NAMES if name not in present_names]
        for name, statement in zip(SQLITE_TRIGGER_NAMES, SQLITE_GUARDS, strict=True):
            if name in missing:
                cursor.execute(statement)
        return missing


def on_post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    connection = connections[using]
    reinstall_missing_guards(connection)  # a dropped guard comes back on the next `migrate`
    install_capture_triggers(connection)  # and so does a dropped or altered capture trigger


__all__ = [
    "CAPTURE_TABLE", "captured_models", "guard_problems", "guards_suspended", "install_guards",
    "reinstall_missing_guards", "remove_guards", "tables_with_capture",
]
