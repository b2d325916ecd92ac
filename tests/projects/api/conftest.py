"""The projects API tests fill their plans themselves: they run against the plain world
(tests/world.py: the same clusters and users, no projects yet)."""

from typing import Any

import pytest

from tests.world import World, _fast_passwords, _fresh_throttles, plain_world

__all__ = ["_fast_passwords", "_fresh_throttles", "plain_world", "world"]


@pytest.fixture
def world(plain_world: World) -> Any:
    return plain_world
