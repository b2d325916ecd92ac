"""Shared model pieces: optimistic-concurrency version, timestamps and the way to the cluster."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


def cluster_id_of(obj: models.Model, path: str | None = None) -> int | None:
    """The id of the cluster `obj` belongs to, following its model's `cluster_path` (or `path`).

    "plan__cluster" reads `obj.plan.cluster_id`; "" means `obj` is the cluster; None (a model
    that belongs to no cluster) answers None.
    """
    if path is None:
        path = getattr(type(obj), "cluster_path", None)
    if path is None:
        return None
    if not path:
        return obj.pk  # type: ignore[no-any-return]
    *hops, last = path.split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop)
        if target is None:
            return None
    return getattr(target, f"{last}_id")  # type: ignore[no-any-return]


class VersionedModel(models.Model):
    """Every domain row carries `version`, raised by one on each change made by a service."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Fields left out of history diffs (bookkeeping, not content).
    HISTORY_EXCLUDE: ClassVar[frozenset[str]] = frozenset({"version", "created_at", "updated_at"})
    # How a row reaches its cluster, as an ORM path: "plan__cluster", "" for Cluster itself,
    # None for a model outside every cluster. Declared once here; the history chain, the API's
    # and the admin's scoping and the scoped serializer fields all follow it.
    cluster_path: ClassVar[str | None] = None
    # The section of a plan's as-of view (plans.audit.asof) its rows fill, e.g. "milestones";
    # None: not part of it. Lets the audit rebuild other apps' rows without naming them.
    as_of_section: ClassVar[str | None] = None

    class Meta:
        abstract = True

    def history_plan_id(self) -> int | None:
        """The plan this row belongs to, for the plan timeline; None when it has no plan."""
        return None

    def history_cluster_id(self) -> int | None:
        """The cluster whose hash chain records changes to this row (from `cluster_path`)."""
        return cluster_id_of(self)


class StatusMixin:
    """Status moves are data: `TRANSITIONS[current]` lists the statuses reachable from it."""

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {}
    status: Any

    @classmethod
    def allowed_targets(cls, current: str) -> tuple[str, ...]:
        return cls.TRANSITIONS.get(current, ())
