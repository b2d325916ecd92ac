"""The admin tests' clusters and users: the recorded world (tests/world.py)."""

from tests.world import admin_client, admin_world, auditor_client, coordinator, coordinator_client, dairy, fruit

__all__ = ["admin_client", "admin_world", "auditor_client", "coordinator", "coordinator_client", "dairy", "fruit"]
