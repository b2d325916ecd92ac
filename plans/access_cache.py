"""Reuse a user's roles across read requests (one SQL query less per GET).

`plans.access.access_for` loads the roles once per request. For safe methods (GET/HEAD/
OPTIONS) the row views (plans.api.base.views.RowViewSet, the dashboard) first look for them
in the cache, keyed by user id and `date_joined` (a reused id of a deleted user never
matches). Writes always load the roles from the database, so a revoked coordinator can
never write on a cached role.

Invalidation: saving or deleting a RoleAssignment or a User drops that user's entry (now
and after commit). The receivers are connected by `PlansConfig.ready()`, so this holds in
every process (web, Celery workers, management commands), not only in those that imported
a URLconf. With a shared cache (Redis, production) every process sees it at once; with the
per-process memory cache, or for changes that bypass signals (QuerySet.update), an entry
lives at most `PMC_ACCESS_CACHE_SECONDS` (30 in production, 0 = off elsewhere).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from plans.access import access_for
from plans.models import RoleAssignment

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def ttl() -> int:
    default = 30 if getattr(settings, "PMC_ENV", "") == "production" else 0
    return int(getattr(settings, "PMC_ACCESS_CACHE_SECONDS", default))


def _key(user: Any) -> str:
    joined = user.date_joined.timestamp() if getattr(user, "date_joined", None) else 0
    return f"pmc:access:{user.pk}:{joined}"


def prime_access(request: Any) -> None:
    """Before the permission check of a read: take the roles from the cache, or cache them."""
    user = request.user
    seconds = ttl()
    if seconds <= 0 or request.method not in SAFE_METHODS or not getattr(user, "is_authenticated", False):
        return
    if hasattr(user, "_pmc_access"):
        return
    key = _key(user)
    cached = cache.get(key)
    if cached is not None and cached[0] == bool(user.is_superuser):
        user._pmc_access = cached[1]
        return
    cache.set(key, (bool(user.is_superuser), access_for(user)), seconds)


def forget_cached_access(user_id: int) -> None:
    user = get_user_model().objects.filter(pk=user_id).only("pk", "date_joined").first()
    if user is None:
        return
    key = _key(user)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))  # a read during the transaction may re-cache


def _on_role_change(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    if ttl() > 0:
        forget_cached_access(instance.user_id)


def _on_user_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    if ttl() > 0 and instance.pk is not None:
        cache.delete(_key(instance))


def connect_invalidation() -> None:
    """Called by PlansConfig.ready(): cache invalidation (not domain flow) on role and user changes."""
    user_model = get_user_model()
    post_save.connect(_on_role_change, sender=RoleAssignment, dispatch_uid="pmc_access_cache_role_saved")
    post_delete.connect(_on_role_change, sender=RoleAssignment, dispatch_uid="pmc_access_cache_role_deleted")
    post_save.connect(_on_user_change, sender=user_model, dispatch_uid="pmc_access_cache_user_saved")
    post_delete.connect(_on_user_change, sender=user_model, dispatch_uid="pmc_access_cache_user_deleted")
