"""The admin tests' clusters and users (tests/admin_fixtures.py)."""

from tests.admin_fixtures import admin_client, auditor_client, coordinator, coordinator_client, dairy, fruit

__all__ = ["admin_client", "auditor_client", "coordinator", "coordinator_client", "dairy", "fruit"]
