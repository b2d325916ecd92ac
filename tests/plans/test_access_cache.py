"""Cached roles are dropped on a role change made anywhere (a service call, a worker, a
command), not only in processes that imported a URLconf: PlansConfig.ready() connects it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from plans.access_cache import prime_access
from plans.models import Role, RoleAssignment, Source
from plans.services.clusters import role_assign, role_revoke
from plans.services.history import Actor
from tests.factories import ClusterFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def access_cache_on(settings):  # type: ignore[no-untyped-def]
    settings.PMC_ACCESS_CACHE_SECONDS = 30
    cache.clear()
    yield
    cache.clear()


def read_request(user_id: int) -> SimpleNamespace:
    """A GET as a fresh request would make it: a new user object, roles not loaded yet."""
    user = get_user_model().objects.get(pk=user_id)
    request = SimpleNamespace(user=user, method="GET")
    prime_access(request)
    return request


def test_revoking_a_role_through_the_service_drops_the_cached_roles() -> None:
    cluster = ClusterFactory.create()
    user = UserFactory.create()
    assignment = RoleAssignment.objects.create(user=user, cluster=cluster, role=Role.COORDINATOR)
    assert read_request(user.pk).user._pmc_access.roles_in(cluster.pk) == {Role.COORDINATOR}  # now cached

    role_revoke(assignment_id=assignment.pk, actor=Actor.system(Source.COMMAND))

    assert read_request(user.pk).user._pmc_access.roles_in(cluster.pk) == set()


def test_assigning_a_role_through_the_service_drops_the_cached_roles() -> None:
    cluster = ClusterFactory.create()
    user = UserFactory.create()
    assert read_request(user.pk).user._pmc_access.roles_in(cluster.pk) == set()  # cached: no role

    role_assign(user_id=user.pk, cluster_id=cluster.pk, role=Role.STAKEHOLDER, actor=Actor.system(Source.COMMAND))

    assert read_request(user.pk).user._pmc_access.roles_in(cluster.pk) == {Role.STAKEHOLDER}


def test_invalidation_is_connected_by_app_loading_alone(tmp_path: Path) -> None:
    """A process that only sets Django up (a Celery worker, a command) has the receivers,
    and has imported neither a URLconf nor the API."""
    code = (
        "import sys, django; django.setup()\n"
        "from django.db.models.signals import post_delete, post_save\n"
        "from plans.models import RoleAssignment\n"
        "names = [getattr(r, '__qualname__', '') for s in (post_save, post_delete)\n"
        "         for r in s._live_receivers(RoleAssignment)[0]]\n"
        "loaded = sorted(m for m in sys.modules\n"
        "                if m in ('config.urls', 'config.api_urls') or m.startswith('plans.api'))\n"
        "print(sorted(n for n in names if n == '_on_role_change'), loaded)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PMC_ENV": "test", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['_on_role_change', '_on_role_change'] []"
