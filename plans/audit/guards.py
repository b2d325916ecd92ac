"""Database guards around the history: append-only events, forward-only chain heads, and
(PostgreSQL) capture of domain-row changes made outside the application.

Installed by the migration `plans.0002_history_guards` (guards, capture table and function)
and, for the capture triggers on every `VersionedModel` table, by a `post_migrate` hook, so a
model added later gets its trigger on the next `migrate`; tests/audit checks none is missing.
The same hook re-creates a guard trigger found dropped, and `verify_history` reports any
guard missing or disabled (exit status 1).

Why a deferred constraint trigger for the capture: a service writes its row *before*
`record_event` marks the transaction as the application's (`pmc.app_write`); deferring the
check to commit time lets one flag cover every row the service's transaction touched,
including derived values (progress) it maintains with `QuerySet.update()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

CAPTURE_TABLE = "pmc_outside_write"
CAPTURE_TRIGGER = "pmc_capture_outside_write"

# --- PostgreSQL -----------------------------------------------------------------------------

PG_GUARD_FUNCTIONS = """
CREATE OR REPLACE FUNCTION pmc_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'plans_historyevent is append-only: % refused', TG_OP
    USING HINT = 'History events are never changed or deleted.';
END;
$$;

CREATE OR REPLACE FUNCTION pmc_history_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
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

PG_CAPTURE_SQL = """
CREATE TABLE IF NOT EXISTS pmc_outside_write (
  id bigserial PRIMARY KEY,
  captured_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  txid bigint NOT NULL DEFAULT txid_current(),
  db_user text NOT NULL DEFAULT current_user,
  application_name text NOT NULL DEFAULT coalesce(current_setting('application_name', true), ''),
  table_name text NOT NULL,
  op text NOT NULL,
  row_id bigint,
  old_row jsonb,
  new_row jsonb
);

CREATE OR REPLACE FUNCTION pmc_capture_outside_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Set (transaction-local) by record_event: the application recorded its own events.
  IF coalesce(current_setting('pmc.app_write', true), '') = '1' THEN
    RETURN NULL;
  END IF;
  INSERT INTO pmc_outside_write (table_name, op, row_id, old_row, new_row) VALUES (
    TG_TABLE_NAME, TG_OP,
    CASE WHEN TG_OP = 'DELETE' THEN (to_jsonb(OLD) ->> 'id')::bigint ELSE (to_jsonb(NEW) ->> 'id')::bigint END,
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END,
    CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END);
  RETURN NULL;
END;
$$;
"""

PG_GUARDS = "\n".join(
    [PG_GUARD_FUNCTIONS, *(sql + "\n" for _table, sql in PG_GUARD_TRIGGER_SQL.values()), PG_CAPTURE_SQL]
)

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
            cursor.execute(PG_GUARDS)
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
    """Guard triggers that are missing (dropped) or disabled: the history is then unprotected."""
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
    return problems


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
            if missing:
                cursor.execute(PG_GUARD_FUNCTIONS)  # CREATE OR REPLACE: the functions may be gone too
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


# --- Capture triggers (PostgreSQL) ---------------------------------------------------------


def captured_models() -> list[type[Any]]:
    """Every concrete VersionedModel of the domain apps (those whose AppConfig declares
    `history_capture = True`): the tables whose changes must have events."""
    from plans.models import VersionedModel

    return [
        model for model in apps.get_models()
        if issubclass(model, VersionedModel) and getattr(model._meta.app_config, "history_capture", False)
        and model._meta.managed and not model._meta.proxy
    ]


def tables_with_capture(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
            [CAPTURE_TRIGGER],
        )
        return {row[0] for row in cursor.fetchall()}


def install_capture_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """Add the deferred capture trigger to each domain table that lacks it; returns those tables."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [CAPTURE_TABLE])
        if not cursor.fetchone()[0]:
            return []  # guards migration not applied (yet)
    existing_tables = set(connection.introspection.table_names())
    done = tables_with_capture(connection)
    added = []
    with connection.cursor() as cursor:
        for model in captured_models():
            table = model._meta.db_table
            if table in done or table not in existing_tables:
                continue
            cursor.execute(
                f"CREATE CONSTRAINT TRIGGER {CAPTURE_TRIGGER} AFTER INSERT OR UPDATE OR DELETE "
                f"ON {connection.ops.quote_name(table)} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW EXECUTE FUNCTION pmc_capture_outside_write()"
            )
            added.append(table)
    return added


def on_post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    connection = connections[using]
    reinstall_missing_guards(connection)  # a dropped guard comes back on the next `migrate`
    install_capture_triggers(connection)
