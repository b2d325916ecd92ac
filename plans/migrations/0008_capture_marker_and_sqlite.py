"""Capture of changes made outside the application, hardened (see plans/audit/capture.py).

PostgreSQL: every history event gets the id of the transaction that appended it (`txid`,
not hashed), and the capture function honours the application's mark only for an event of
the current transaction; the guard functions get a pinned search_path. SQLite: the capture
table (the triggers follow in post_migrate, as on PostgreSQL).
"""

from django.db import migrations

# The function as 0002 installed it, for going back: any session could switch it off.
PG_CAPTURE_FUNCTION_0002 = """
CREATE OR REPLACE FUNCTION pmc_capture_outside_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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


def forwards(apps, schema_editor):
    from plans.audit.capture import install_capture_schema, pg_schema
    from plans.audit.guards import pg_guard_functions_sql

    connection = schema_editor.connection
    install_capture_schema(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(pg_guard_functions_sql(pg_schema(connection)))


def backwards(apps, schema_editor):
    from plans.audit.capture import remove_capture

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(PG_CAPTURE_FUNCTION_0002)
    remove_capture(connection)


class Migration(migrations.Migration):
    dependencies = [("plans", "0007_plan_forum_quorum")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
