"""`manage.py seal_history`: append changes caught at the database (PostgreSQL) to the history."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from plans.audit.seal import seal_outside_writes


class Command(BaseCommand):
    help = "Record changes made outside the application (caught by database triggers) as history events."

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = seal_outside_writes()
        self.stdout.write(f"{sealed} change(s) made outside the application sealed into the history")
