"""`flush` with the history guards suspended for the wipe.

Flushing empties every table, history included: a deliberate whole-database reset (test
teardown between transactional tests, a fresh development database), not an edit of the
record. PostgreSQL's flush is a TRUNCATE, which the row triggers never see; SQLite's is a
DELETE, which the append-only triggers refuse and the capture triggers would copy row by
row, so both are lifted for the flush only. The capture table of outside writes (not a
Django model) is emptied with the rest.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from plans.audit.capture import capture_suspended
from plans.audit.guards import CAPTURE_TABLE, guards_suspended
from plans.models import HistoryChainHead


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor == "postgresql":
            super().handle(**options)
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [CAPTURE_TABLE])
                exists = cursor.fetchone()[0]
                # Only after a flush that happened (an interactive "no" leaves the heads).
                if exists and not HistoryChainHead.objects.using(options["database"]).exists():
                    cursor.execute(f"TRUNCATE {CAPTURE_TABLE}")
            return
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with guards_suspended(connection), capture_suspended(connection):
            super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [CAPTURE_TABLE])
            if cursor.fetchone() is not None and not HistoryChainHead.objects.using(options["database"]).exists():
                cursor.execute(f"DELETE FROM {CAPTURE_TABLE}")  # noqa: S608  # nosec B608 - constant table name
