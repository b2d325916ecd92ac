"""Database guards for the history (audit): see plans/audit/guards.py for the SQL and why.

PostgreSQL: plpgsql triggers refuse UPDATE/DELETE of history events and any head move other
than one append; the capture table and function for changes made outside the application.
SQLite: the same refusals with RAISE(ABORT). Other vendors: nothing (documented).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from plans.audit.guards import install_guards

    install_guards(schema_editor.connection)


def backwards(apps, schema_editor):
    from plans.audit.guards import remove_guards

    remove_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
