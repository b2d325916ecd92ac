"""Shared model pieces: optimistic-concurrency version and timestamps."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionedModel(models.Model):
    """Every domain row carries `version`, raised by one on each change made by a service."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Fields left out of history diffs (bookkeeping, not content).
    HISTORY_EXCLUDE: ClassVar[frozenset[str]] = frozenset({"version", "created_at", "updated_at"})

    class Meta:
        abstract = True

    def history_plan_id(self) -> int | None:
        """The plan this row belongs to, for the plan timeline; None when it has no plan."""
        return None

    def history_cluster_id(self) -> int | None:
        """The cluster whose hash chain records changes to this row."""
        return None


class StatusMixin:
    """Status moves are data: `TRANSITIONS[current]` lists the statuses reachable from it."""

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {}
    status: Any

    @classmethod
    def allowed_targets(cls, current: str) -> tuple[str, ...]:
        return cls.TRANSITIONS.get(current, ())
