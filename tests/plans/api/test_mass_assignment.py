"""Mass assignment is impossible: status, version, parents of existing rows and computed
fields cannot be set through any input serializer, and attempts are ignored."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from plans.models import Agreement, Forum, Organization, Phase, Plan, Stakeholder
from tests.config.api.test_role_matrix import _walk
from tests.world import World

# Never writable: lifecycle, bookkeeping and derived values (status moves go through actions).
NEVER = {
    "id", "status", "version", "created_at", "updated_at", "progress", "tally", "decided_at", "sequence",
    "history", "outcome_agreement", "baseline_due_date", "is_overdue", "edition", "approved_on", "previous",
    "skip_reason", "budget_total", "funding", "milestone_counts", "recorded_by",
    "key_figures", "current_phase", "hash", "prev_hash",
}
# Per view: set only by its actions (a phase's actual dates by start/complete/skip).
NEVER_IN = {"PhaseViewSet": {"actual_start", "actual_end"}}
# The parent of a row: chosen when it is created, never moved afterwards.
PARENTS = {"cluster", "plan", "project"}


def input_serializers() -> list[tuple[str, str, Any]]:
    from django.urls import get_resolver

    found: dict[tuple[str, str], Any] = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "cls", None)
        if not route.startswith("api/v1/") or view_class is None:
            continue
        for action, serializer in (getattr(view_class, "input_serializers", None) or {}).items():
            found[(view_class.__name__, action)] = serializer
    return [(view, action, serializer) for (view, action), serializer in sorted(found.items())]


SERIALIZERS = input_serializers()


def test_the_walk_finds_the_input_serializers() -> None:
    assert len(SERIALIZERS) > 20
    assert ("PlanViewSet", "partial_update") in {(v, a) for v, a, _ in SERIALIZERS}


@pytest.mark.parametrize(("view", "action", "serializer"), SERIALIZERS, ids=[f"{v}.{a}" for v, a, _ in SERIALIZERS])
def test_no_input_serializer_accepts_protected_fields(view: str, action: str, serializer: Any) -> None:
    request = RequestFactory().get("/")
    writable = {name for name, f in serializer(context={"request": request}).fields.items() if not f.read_only}
    never = NEVER | NEVER_IN.get(view, set())
    assert not writable & never, f"{view}.{action} accepts {sorted(writable & never)}"
    if action != "create":
        assert not writable & PARENTS, f"{view}.{action} would move a row to another parent: {writable & PARENTS}"


pytestmark = pytest.mark.django_db


def test_plan_patch_ignores_status_version_cluster_and_progress(world: World) -> None:
    plan = world.own["plan"]
    response = world.client("coordinator").patch(f"/api/v1/plans/{plan.pk}/", {
        "title": "Nuevo título", "status": "closed", "version": 40, "cluster": world.other.cluster.pk,
        "progress": 99, "edition": 7, "approved_on": "2020-01-01",
    }, format="json")
    assert response.status_code == 200
    fresh = Plan.objects.get(pk=plan.pk)
    assert fresh.title == "Nuevo título"
    assert (fresh.status, fresh.version, fresh.cluster_id, fresh.progress, fresh.edition, fresh.approved_on) == (
        plan.status, 2, plan.cluster_id, 0, plan.edition, None
    )


def test_phase_patch_cannot_set_status_or_outcome(world: World) -> None:
    phase = world.own["pending_phase"]
    response = world.client("coordinator").patch(f"/api/v1/phases/{phase.pk}/", {
        "status": "completed", "outcome_agreement": world.own["adopted_agreement"].pk, "plan": world.other["plan"].pk,
        "description": "Relevamiento",
    }, format="json")
    assert response.status_code == 200
    fresh = Phase.objects.get(pk=phase.pk)
    assert (fresh.status, fresh.outcome_agreement_id, fresh.plan_id) == ("pending", None, phase.plan_id)
    assert fresh.description == "Relevamiento"


def test_forum_patch_cannot_hold_cancel_or_move_it(world: World) -> None:
    forum = world.own["forum"]
    response = world.client("coordinator").patch(f"/api/v1/forums/{forum.pk}/", {
        "status": "held", "minutes": "inventadas", "sequence": 9, "plan": world.other["plan"].pk,
        "phase": world.own["pending_phase"].pk, "agenda": "Presentación del PMC",
    }, format="json")
    assert response.status_code == 200
    fresh = Forum.objects.get(pk=forum.pk)
    assert (fresh.status, fresh.minutes, fresh.sequence, fresh.plan_id, fresh.phase_id) == (
        "scheduled", "", 0, forum.plan_id, forum.phase_id
    )


def test_agreement_is_created_open_whatever_the_body_says(world: World) -> None:
    response = world.client("coordinator").post("/api/v1/agreements/", {
        "plan": world.own["plan"].pk, "title": "Validar", "subject": "validate_plan", "status": "adopted",
        "tally": {"agree": 100}, "decided_at": "2012-09-20T10:00:00-03:00",
    }, format="json")
    assert response.status_code == 201
    agreement = Agreement.objects.get(pk=response.json()["id"])
    assert (agreement.status, agreement.tally, agreement.decided_at) == ("open", {}, None)


def test_organization_cannot_change_cluster(world: World) -> None:
    org = world.own["organization"]
    response = world.client("admin").patch(
        f"/api/v1/organizations/{org.pk}/", {"cluster": world.other.cluster.pk, "locality": "Trancas"}, format="json"
    )
    assert response.status_code == 200
    assert Organization.objects.get(pk=org.pk).cluster_id == world.own.cluster.pk


def test_stakeholder_editing_own_record_cannot_change_links_or_activity(world: World) -> None:
    me = world.own["stakeholder"]
    response = world.client("stakeholder").patch(f"/api/v1/stakeholders/{me.pk}/", {
        "name": "Nombre nuevo", "language": "en", "organization": world.own["organization2"].pk,
        "user": world.users["admin"].pk, "is_active": False, "cluster": world.other.cluster.pk,
    }, format="json")
    assert response.status_code == 200, response.content
    fresh = Stakeholder.objects.get(pk=me.pk)
    assert (fresh.name, fresh.language) == ("Nombre nuevo", "en")
    assert (fresh.organization_id, fresh.user_id, fresh.is_active, fresh.cluster_id) == (
        me.organization_id, world.users["stakeholder"].pk, True, me.cluster_id
    )


def test_stakeholder_cannot_see_or_edit_other_stakeholders(world: World) -> None:
    from tests.factories import StakeholderFactory

    neighbour = StakeholderFactory.create(cluster=world.own.cluster, name="Vecino")
    client = world.client("stakeholder")
    assert client.get(f"/api/v1/stakeholders/{neighbour.pk}/").status_code == 404
    assert client.patch(f"/api/v1/stakeholders/{neighbour.pk}/", {"name": "x"}, format="json").status_code == 404
    listed = {row["id"] for row in client.get("/api/v1/stakeholders/").json()["results"]}
    assert listed == {world.own["stakeholder"].pk}


def test_stakeholder_records_a_position_only_for_own_organization(world: World) -> None:
    url = f"/api/v1/agreements/{world.own['agreement'].pk}/positions/"
    client = world.client("stakeholder")
    other_org = client.post(url, {"organization": world.own["organization2"].pk, "position": "block"}, format="json")
    assert other_org.status_code == 403
    own_org = client.post(url, {"organization": world.own["organization"].pk, "position": "agree"}, format="json")
    assert own_org.status_code == 201, own_org.content
    assert own_org.json()["recorded_by"] == world.own["stakeholder"].pk
