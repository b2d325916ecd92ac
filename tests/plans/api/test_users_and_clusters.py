"""Programme administrators manage logins, clusters and roles; coordinators edit their cluster."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from plans.access import forget_access
from plans.models import HistoryEvent, KeyFigure, RoleAssignment
from tests.world import World

pytestmark = pytest.mark.django_db


def test_admin_creates_a_user_whose_password_is_write_only_and_hashed(world: World) -> None:
    response = world.client("admin").post(
        "/api/v1/users/", {"username": "ana", "email": "ana@example.org", "password": "Cuenca-lechera-2012"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert "password" not in response.json()
    user = get_user_model().objects.get(username="ana")
    assert user.check_password("Cuenca-lechera-2012") and user.password != "Cuenca-lechera-2012"
    event = HistoryEvent.objects.get(object_type="auth.user", object_id=user.pk)
    assert (event.action, event.chain_id, event.actor_id) == ("create", 0, world.users["admin"].pk)
    assert "password" not in event.changes


def test_weak_or_duplicate_users_are_refused(world: World) -> None:
    client = world.client("admin")
    weak = client.post("/api/v1/users/", {"username": "ana", "password": "123"}, format="json")
    assert weak.status_code == 400 and "password" in weak.json()["errors"]
    taken = client.post("/api/v1/users/", {"username": "Coordinator", "password": "Cuenca-lechera-2012"},
                        format="json")
    assert taken.status_code == 400 and "username" in taken.json()["errors"]


def test_admin_creates_a_cluster_and_assigns_a_coordinator_who_then_edits_it(world: World) -> None:
    admin = world.client("admin")
    cluster = admin.post("/api/v1/clusters/", {
        "name": "Quesero de Villa María", "slug": "quesero-villa-maria", "province": "Córdoba",
    }, format="json")
    assert cluster.status_code == 201, cluster.content
    cluster_id = cluster.json()["id"]
    user = world.users["coordinator_b"]
    assigned = admin.post("/api/v1/role-assignments/", {"user": user.pk, "cluster": cluster_id,
                                                        "role": "coordinator"}, format="json")
    assert assigned.status_code == 201
    forget_access(user)
    client = world.client("coordinator_b")
    figure = client.post(f"/api/v1/clusters/{cluster_id}/key-figures/",
                         {"name": "Firms in the ripening room", "value": "12", "unit": "firms"}, format="json")
    assert figure.status_code == 200, figure.content
    assert [f["name"] for f in figure.json()["key_figures"]] == ["Firms in the ripening room"]
    assert KeyFigure.objects.get(cluster_id=cluster_id).value == 12
    edited = client.patch(f"/api/v1/clusters/{cluster_id}/", {"sector": "quesos"}, format="json",
                          HTTP_IF_MATCH=figure.headers["ETag"])
    assert edited.status_code == 200 and edited.json()["sector"] == "quesos"
    revoke = admin.delete(f"/api/v1/role-assignments/{assigned.json()['id']}/")
    assert revoke.status_code == 204
    assert not RoleAssignment.objects.filter(pk=assigned.json()["id"]).exists()
    forget_access(user)
    assert world.client("coordinator_b").get(f"/api/v1/clusters/{cluster_id}/").status_code == 404


def test_global_auditor_assignment_has_no_cluster_and_only_auditors_may_be_global(world: World) -> None:
    admin = world.client("admin")
    user = world.users["coordinator"].pk
    ok = admin.post("/api/v1/role-assignments/", {"user": user, "cluster": None, "role": "auditor"}, format="json")
    assert ok.status_code == 201 and ok.json()["cluster"] is None
    refused = admin.post("/api/v1/role-assignments/", {"user": user, "role": "coordinator"}, format="json")
    assert refused.status_code == 400
