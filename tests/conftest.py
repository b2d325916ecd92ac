"""Shared fixtures. Services that are absent skip locally but fail in CI (CI=true)."""

from __future__ import annotations

import os

import pytest

from tests.services import postgres_answers, redis_answers

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip on a laptop without the service; in CI a missing service is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    require(redis_answers(url), f"Redis is not answering at {url}")
    return url


@pytest.fixture
def on_postgres(settings) -> None:  # type: ignore[no-untyped-def]
    """For tests of PostgreSQL-only behaviour (triggers, row locks across connections).

    In the SQLite pass these tests are deselected at collection (they run in the
    PostgreSQL pass), so CI shows no skips; the skip below is only a safety net.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of the suite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    postgres_only = [item for item in items if "on_postgres" in getattr(item, "fixturenames", ())]
    if postgres_only:
        config.hook.pytest_deselected(items=postgres_only)
        items[:] = [item for item in items if item not in postgres_only]


__all__ = ["postgres_answers", "require"]


@pytest.fixture(autouse=True)
def empty_cache():  # type: ignore[no-untyped-def]
    """Each test starts with an empty cache (the per-process memory cache outlives a test's rows)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def english_messages():  # type: ignore[no-untyped-def]
    """Domain messages are asserted in English; tests of Spanish override the language."""
    from django.utils import translation

    with translation.override("en"):
        yield
