"""Row locks and version checks: the read-then-write guards every service builds on.

Lock order (each row once per write): milestone (or line, indicator, ...) -> project ->
plan -> history chain head. The chain head is always last, taken by record_event.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from plans.errors import StaleVersion

M = TypeVar("M", bound=models.Model)


def lock(model: type[M], pk: Any, *, queryset: models.QuerySet[M] | None = None) -> M:
    """Load a row FOR UPDATE, so a rule that reads then writes sees no concurrent change."""
    qs = queryset if queryset is not None else model._default_manager.all()
    return qs.select_for_update().get(pk=pk)


def check_version(instance: models.Model, expected_version: int | None) -> None:
    """Optimistic concurrency: refuse a write based on an older version (If-Match)."""
    current = getattr(instance, "version", None)
    if expected_version is not None and current != expected_version:
        raise StaleVersion(expected=expected_version, current=current)
