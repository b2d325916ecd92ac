"""The API tests run against the one world (tests/world.py)."""

from tests.world import _fast_passwords, _fresh_throttles, world

__all__ = ["_fast_passwords", "_fresh_throttles", "world"]
