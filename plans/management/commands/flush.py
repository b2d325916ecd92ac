"""`flush` with the history guards suspended for the wipe.

Flushing empties every table, history included: a deliberate whole-database reset (test
teardown between transactional tests, a fresh development database), not an edit of the
record. PostgreSQL's flush is a TRUNCATE, which the row triggers never see; SQLite's is a
DELETE, which the append-only triggers refuse, so they are lifted for the flush only.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from plans.audit.guards import guards_suspended


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with guards_suspended(connection):
            return super().handle(**options)
