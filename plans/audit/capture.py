"""Capture of domain-row changes made outside the application, on PostgreSQL and on SQLite.

Every table of a `VersionedModel` in `plans` and `projects` carries capture triggers that
copy a row change into `pmc_outside_write` unless the writing transaction records history
(plans/services/history/marker.py says how that is known on each database); seal.py turns
the copies into chained events. The capture table and the PostgreSQL function come with
the migrations `0002_history_guards` and `0007_capture_marker_and_sqlite`; the triggers are
added by the `post_migrate` hook (guards.on_post_migrate), so a new model gets them on the
next `migrate`, and `capture_problems` (run by `verify_history`) names any that is missing,
disabled or altered.

PostgreSQL: one `DEFERRABLE INITIALLY DEFERRED` constraint trigger per table, so the check
runs at commit, after `record_event` (a service writes its row first). Its function is
pinned to the tables' schema with `pg_temp` last, so a session cannot shadow
`plans_historyevent` or the capture table with temporary tables of its own.

SQLite: three plain AFTER triggers per table (SQLite has no deferred triggers and no
`to_jsonb(OLD)`, so each lists its table's columns in `json_object`); they call functions
that only a Django connection of this project defines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

CAPTURE_TABLE = "pmc_outside_write"
CAPTURE_TRIGGER = "pmc_capture_outside_write"  # PostgreSQL: trigger and function name
SQLITE_OPS = ("INSERT", "UPDATE", "DELETE")

# --- PostgreSQL -----------------------------------------------------------------------------

PG_CAPTURE_TABLE_SQL = """
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
"""

# The top-level transaction id of the transaction that appended each event (the same inside
# savepoints). Not a model field: never hashed, never exported, only read by the trigger.
# Added without a default first, so existing rows are not rewritten.
PG_EVENT_TXID_SQL = """
ALTER TABLE plans_historyevent ADD COLUMN IF NOT EXISTS txid bigint;
ALTER TABLE plans_historyevent ALTER COLUMN txid SET DEFAULT txid_current();
"""

PG_CAPTURE_FUNCTION_BODY = """
DECLARE
  marker text := current_setting('pmc.app_write', true);  -- marker.PG_MARKER
BEGIN
  -- record_event names the event it appended; the mark counts only if that event exists and
  -- was appended by this very transaction, so setting it by hand changes nothing.
  IF marker ~ '^[0-9]{1,18}$' AND EXISTS (
      SELECT 1 FROM plans_historyevent e WHERE e.id = marker::bigint AND e.txid = txid_current()) THEN
    RETURN NULL;
  END IF;
  INSERT INTO pmc_outside_write (table_name, op, row_id, old_row, new_row) VALUES (
    TG_TABLE_NAME, TG_OP,
    CASE WHEN TG_OP = 'DELETE' THEN (to_jsonb(OLD) ->> 'id')::bigint ELSE (to_jsonb(NEW) ->> 'id')::bigint END,
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END,
    CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END);
  RETURN NULL;
END;
"""


# The capture table itself: the application's role must be able to delete what it sealed, so
# a row goes only together with an outside event of the same transaction that names it, and
# is never rewritten. (Found through a partial index on the few outside events.)
SEALED_ONLY_TRIGGER = "pmc_outside_write_sealed_only"
PG_SEALED_ONLY_FUNCTION_BODY = """
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'pmc_outside_write: a captured change is never rewritten';
  END IF;
  IF NOT EXISTS (
      SELECT 1 FROM plans_historyevent e
      WHERE e.outside_app AND (e.context ->> 'capture_id') = OLD.id::text AND e.txid = txid_current()) THEN
    RAISE EXCEPTION 'pmc_outside_write: a captured change is removed only by sealing it into the history';
  END IF;
  RETURN OLD;
END;
"""
PG_SEALED_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS history_sealed_capture_idx ON plans_historyevent "
    "((context ->> 'capture_id')) WHERE outside_app"
)
PG_SEALED_ONLY_TRIGGER_SQL = (
    f"CREATE TRIGGER {SEALED_ONLY_TRIGGER} BEFORE UPDATE OR DELETE ON {CAPTURE_TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {SEALED_ONLY_TRIGGER}()"
)


def pg_sealed_only_function_sql(schema: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {SEALED_ONLY_TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
        f"SET search_path = {schema}, pg_temp AS $pmc${PG_SEALED_ONLY_FUNCTION_BODY}$pmc$;"
    )


def pg_capture_function_sql(schema: str) -> str:
    # search_path pinned, pg_temp last: a temporary table cannot stand in for ours.
    return (
        f"CREATE OR REPLACE FUNCTION {CAPTURE_TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
        f"SET search_path = {schema}, pg_temp AS $pmc${PG_CAPTURE_FUNCTION_BODY}$pmc$;"
    )


def pg_schema(connection: BaseDatabaseWrapper) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        return str(cursor.fetchone()[0])


def _pg_capture_table_exists(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [CAPTURE_TABLE])
        return bool(cursor.fetchone()[0])


# --- SQLite ---------------------------------------------------------------------------------

SQLITE_CAPTURE_TABLE_SQL = (
    """CREATE TABLE IF NOT EXISTS pmc_outside_write (
  id integer PRIMARY KEY AUTOINCREMENT,
  captured_at text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  txid text NOT NULL DEFAULT '',
  db_user text NOT NULL DEFAULT '',
  application_name text NOT NULL DEFAULT '',
  table_name text NOT NULL,
  op text NOT NULL,
  row_id integer,
  old_row text,
  new_row text
)""",
    "CREATE INDEX IF NOT EXISTS pmc_outside_write_txid ON pmc_outside_write (txid)",
)

_JSON_PAIRS_PER_CALL = 60  # json_object takes at most 127 arguments by default


def _sqlite_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sqlite_row_json(model: type[models.Model], row: str, quote: Any) -> str:
    """json_object(...) of every column of `row` (OLD or NEW), as PostgreSQL's to_jsonb gives."""
    pairs = []
    for field in model._meta.concrete_fields:
        column = f"{row}.{quote(field.column)}"
        kind = field.get_internal_type()
        if kind == "JSONField":
            column = f"json({column})"  # stored as text: embed it as JSON, not as a string
        elif kind == "BinaryField":
            column = f"hex({column})"  # JSON cannot hold a blob
        pairs.append((field.column, column))
    head, rest = pairs[:_JSON_PAIRS_PER_CALL], pairs[_JSON_PAIRS_PER_CALL:]
    sql = "json_object(" + ", ".join(f"{_sqlite_literal(c)}, {v}" for c, v in head) + ")"
    while rest:
        chunk, rest = rest[:_JSON_PAIRS_PER_CALL], rest[_JSON_PAIRS_PER_CALL:]
        paths = ", ".join(f"{_sqlite_literal('$.' + chr(34) + c + chr(34))}, {v}" for c, v in chunk)
        sql = f"json_insert({sql}, {paths})"
    return sql


def sqlite_trigger_name(table: str, op: str) -> str:
    return f"pmc_capture_{table}_{op.lower()}"


def sqlite_capture_triggers(model: type[models.Model], quote: Any) -> dict[str, str]:
    """Trigger name -> CREATE TRIGGER statement (as sqlite_master keeps it) for one table."""
    table = model._meta.db_table
    pk = quote(model._meta.pk.column)
    triggers = {}
    for op in SQLITE_OPS:
        old = "NULL" if op == "INSERT" else _sqlite_row_json(model, "OLD", quote)
        new = "NULL" if op == "DELETE" else _sqlite_row_json(model, "NEW", quote)
        row_id = f"OLD.{pk}" if op == "DELETE" else f"NEW.{pk}"
        name = sqlite_trigger_name(table, op)
        # Names and columns come from the models, never from input.
        triggers[name] = (
            f"CREATE TRIGGER {name} AFTER {op} ON {quote(table)}\n"  # noqa: S608
            f"WHEN pmc_capture_txn() IS NOT NULL\n"
            f"BEGIN\n"
            f"  INSERT INTO {CAPTURE_TABLE} "  # nosec B608
            f"(txid, db_user, application_name, table_name, op, row_id, old_row, new_row)\n"
            f"  VALUES (pmc_capture_txn(), pmc_capture_user(), pmc_capture_program(), {_sqlite_literal(table)}, "
            f"'{op}', {row_id},\n    {old},\n    {new});\n"
            f"END"
        )
    return triggers


def _sqlite_capture_table_exists(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [CAPTURE_TABLE])
        return cursor.fetchone() is not None


def _sqlite_triggers(connection: BaseDatabaseWrapper) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'pmc_capture_%'")
        return dict(cursor.fetchall())


# --- Both -----------------------------------------------------------------------------------


def captured_models() -> list[type[Any]]:
    """Every concrete VersionedModel of the domain apps (those whose AppConfig declares
    `history_capture = True`): the tables whose changes must have events."""
    from plans.models import VersionedModel

    return [
        model for model in apps.get_models()
        if issubclass(model, VersionedModel) and getattr(model._meta.app_config, "history_capture", False)
        and model._meta.managed and not model._meta.proxy
    ]


def _expected_tables(connection: BaseDatabaseWrapper) -> list[type[models.Model]]:
    existing = set(connection.introspection.table_names())
    return [m for m in captured_models() if m._meta.db_table in existing]


def install_capture_schema(connection: BaseDatabaseWrapper) -> None:
    """Migration 0007: PostgreSQL's event txid column and marker-checking function; SQLite's
    capture table (its triggers follow in post_migrate)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            schema = pg_schema(connection)
            cursor.execute(PG_CAPTURE_TABLE_SQL)
            cursor.execute(PG_EVENT_TXID_SQL)
            cursor.execute(pg_capture_function_sql(schema))
            cursor.execute(pg_sealed_only_function_sql(schema))
            cursor.execute(PG_SEALED_INDEX_SQL)
            cursor.execute(f"DROP TRIGGER IF EXISTS {SEALED_ONLY_TRIGGER} ON {CAPTURE_TABLE}")
            cursor.execute(PG_SEALED_ONLY_TRIGGER_SQL)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_CAPTURE_TABLE_SQL:
                cursor.execute(statement)


def tables_with_trigger(connection: BaseDatabaseWrapper, name: str) -> dict[str, str]:
    """PostgreSQL: table -> tgenabled ("D" = disabled) of the tables carrying trigger `name`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
            [name],
        )
        return {table: str(state) for table, state in cursor.fetchall()}


def tables_with_capture(connection: BaseDatabaseWrapper) -> set[str]:
    """PostgreSQL: tables carrying the capture trigger (enabled or not)."""
    return set(tables_with_trigger(connection, CAPTURE_TRIGGER))


def _pg_has_column(connection: BaseDatabaseWrapper, table: str, column: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND column_name = %s",
            [table, column],
        )
        return cursor.fetchone() is not None


def install_capture_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """Give every domain table its capture trigger(s), re-creating any missing or altered one
    (and PostgreSQL's function); returns the tables that needed it."""
    if connection.vendor == "postgresql":
        return _install_pg(connection)
    if connection.vendor == "sqlite":
        return _install_sqlite(connection)
    return []


def _install_pg(connection: BaseDatabaseWrapper) -> list[str]:
    if not _pg_capture_table_exists(connection):
        return []  # guards migration not applied (yet)
    if not _pg_has_column(connection, "plans_historyevent", "txid"):
        return []  # migration 0007 not applied (yet): the function would have nothing to check
    schema = pg_schema(connection)
    with connection.cursor() as cursor:
        if _pg_function_problem(connection, CAPTURE_TRIGGER, PG_CAPTURE_FUNCTION_BODY):
            cursor.execute(pg_capture_function_sql(schema))
        if _pg_function_problem(connection, SEALED_ONLY_TRIGGER, PG_SEALED_ONLY_FUNCTION_BODY):
            cursor.execute(pg_sealed_only_function_sql(schema))
        if CAPTURE_TABLE not in tables_with_trigger(connection, SEALED_ONLY_TRIGGER):
            cursor.execute(PG_SEALED_ONLY_TRIGGER_SQL)
        done = tables_with_capture(connection)
        added = []
        for model in _expected_tables(connection):
            table = model._meta.db_table
            if table in done:
                continue
            cursor.execute(
                f"CREATE CONSTRAINT TRIGGER {CAPTURE_TRIGGER} AFTER INSERT OR UPDATE OR DELETE "
                f"ON {connection.ops.quote_name(table)} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW EXECUTE FUNCTION {CAPTURE_TRIGGER}()"
            )
            added.append(table)
    return added


def _install_sqlite(connection: BaseDatabaseWrapper) -> list[str]:
    if not _sqlite_capture_table_exists(connection):
        return []  # migration 0007 not applied (yet)
    present = _sqlite_triggers(connection)
    changed = []
    with connection.cursor() as cursor:
        for model in _expected_tables(connection):
            wanted = sqlite_capture_triggers(model, connection.ops.quote_name)
            stale = [name for name, sql in wanted.items() if present.get(name) != sql]
            for name in stale:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(wanted[name])
            if stale:
                changed.append(model._meta.db_table)
    return changed


def remove_capture(connection: BaseDatabaseWrapper) -> None:
    """Reverse of migration 0007 (PostgreSQL restores the earlier function in the migration)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {SEALED_ONLY_TRIGGER} ON {CAPTURE_TABLE}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {SEALED_ONLY_TRIGGER}()")
            cursor.execute("DROP INDEX IF EXISTS history_sealed_capture_idx")
            cursor.execute("ALTER TABLE plans_historyevent DROP COLUMN IF EXISTS txid")
        elif connection.vendor == "sqlite":
            for name in _sqlite_triggers(connection):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {CAPTURE_TABLE}")


@contextmanager
def capture_suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """SQLite: drop the capture triggers for a block, as only the file's owner can (used by
    `flush`, a whole-database wipe); they are re-created after. PostgreSQL: nothing to do
    (its flush is a TRUNCATE, which row triggers do not see)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        for name in _sqlite_triggers(connection):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        _install_sqlite(connection)


# --- Checking -------------------------------------------------------------------------------


def _pg_function_problem(connection: BaseDatabaseWrapper, name: str, body: str) -> str:
    """A trigger function gone, or replaced by another body (say, one that records nothing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosrc, p.proconfig FROM pg_proc p WHERE p.proname = %s AND p.pronamespace = "
            "current_schema()::regnamespace",
            [name],
        )
        row = cursor.fetchone()
    if row is None:
        return f"function {name}() is missing"
    source, config = row
    if source != body or not any(str(c).startswith("search_path=") for c in config or []):
        return f"function {name}() was altered"
    return ""


def capture_problems(connection: BaseDatabaseWrapper) -> list[str]:
    """Capture triggers (or PostgreSQL's function) missing, disabled or altered: changes made
    outside the application would then leave no trace."""
    if connection.vendor == "postgresql":
        if not _pg_capture_table_exists(connection):
            return [f"table {CAPTURE_TABLE} is missing"]
        if not _pg_has_column(connection, "plans_historyevent", "txid"):
            return ["column plans_historyevent.txid is missing (run `manage.py migrate`)"]
        problems = [p for p in (
            _pg_function_problem(connection, CAPTURE_TRIGGER, PG_CAPTURE_FUNCTION_BODY),
            _pg_function_problem(connection, SEALED_ONLY_TRIGGER, PG_SEALED_ONLY_FUNCTION_BODY),
        ) if p]
        sealed_only = tables_with_trigger(connection, SEALED_ONLY_TRIGGER).get(CAPTURE_TABLE)
        if sealed_only is None:
            problems.append(f"trigger {SEALED_ONLY_TRIGGER} on {CAPTURE_TABLE} is missing")
        elif sealed_only == "D":
            problems.append(f"trigger {SEALED_ONLY_TRIGGER} on {CAPTURE_TABLE} is disabled")
        state = tables_with_trigger(connection, CAPTURE_TRIGGER)
        for model in _expected_tables(connection):
            table = model._meta.db_table
            if table not in state:
                problems.append(f"capture trigger on {table} is missing")
            elif state[table] == "D":
                problems.append(f"capture trigger on {table} is disabled")
        return problems
    if connection.vendor == "sqlite":
        if not _sqlite_capture_table_exists(connection):
            return [f"table {CAPTURE_TABLE} is missing"]
        present = _sqlite_triggers(connection)
        problems = []
        for model in _expected_tables(connection):
            for name, sql in sqlite_capture_triggers(model, connection.ops.quote_name).items():
                if name not in present:
                    problems.append(f"capture trigger {name} is missing")
                elif present[name] != sql:
                    problems.append(f"capture trigger {name} was altered")
        return problems
    return []
