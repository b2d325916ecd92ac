"""The page tests' clusters and users: the one world (tests/world.py), as `people`."""

from tests.world import people

__all__ = ["people"]
