"""The demo (`load_demo`) loaded once for a test module and rolled back after its last test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@contextmanager
def demo_loaded(django_db_blocker: Any) -> Iterator[None]:
    """For a module-scoped fixture: loading takes seconds, so its tests share one load."""
    with django_db_blocker.unblock(), override_settings(DEMO_PASSWORD="demo-pass-for-tests"), transaction.atomic():
        call_command("load_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)
