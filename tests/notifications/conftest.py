"""The notifications suites run against the one world (tests/world.py) with the people to notify
(contents="audience"): factories arrange the rows (no history), the services change them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from tests.world import AUDIENCE_DUE, World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world(contents="audience", slugs=("lacteo", "frutas"))


# The audience's milestone is due on a fixed day (AUDIENCE_DUE, 2026-12-15); the services judge the
# dates they are given against today, so tests that write fixed dates through them run on this day.
WORLD_TODAY = dt.datetime.combine(AUDIENCE_DUE - dt.timedelta(days=20), dt.time(12, 0), tzinfo=dt.UTC)


@pytest.fixture
def world_clock() -> Iterator[None]:
    with time_machine.travel(WORLD_TODAY, tick=True):
        yield


def spanish_subject() -> str:
    """The completion subject as a Spanish reader gets it, written out (a missing translation fails)."""
    return "[Clúster Lácteo de Tucumán] Hito completado: Muestreo de tambos"
