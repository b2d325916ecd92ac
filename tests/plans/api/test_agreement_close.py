"""POST /agreements/{id}/close/ under forum consensus: the attendance quorum and its explicit override."""

from __future__ import annotations

import pytest

from plans.models import Agreement, Forum, ForumAttendance, HistoryEvent, Organization
from tests.factories import OrganizationFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def _forum_agreement(world: World, present: int, absent: int) -> Agreement:
    plan = world.own["plan"]
    forum: Forum = world.own["forum"]
    Forum.objects.filter(pk=forum.pk).update(status=Forum.Status.HELD, minutes="Acta.")
    Organization.objects.filter(cluster=plan.cluster).update(is_active=False)  # only the ones below count
    for n in range(present + absent):
        org = OrganizationFactory.create(cluster=plan.cluster, name=f"Tambo {n}")
        if n < present:
            ForumAttendance.objects.create(forum=forum, organization=org)
    return Agreement.objects.create(
        plan=plan, phase=world.own["phase"], forum=forum, title="Por aclamación",
        rule=Agreement.Rule.FORUM_CONSENSUS,
    )


def test_a_thin_forum_is_409_and_an_override_with_a_reason_adopts(world: World) -> None:
    agreement = _forum_agreement(world, present=2, absent=10)
    client = world.client("coordinator")
    url = f"/api/v1/agreements/{agreement.pk}/close/"
    refused = client.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409 and refused.json()["type"] == "rule_violation"
    assert "2 of the cluster's 12" in refused.json()["detail"]
    spanish = client.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="es").json()["detail"]
    assert "2 de las 12" in spanish and "(50%)" in spanish  # the catalogue keeps the numbers and the literal %
    before = HistoryEvent.objects.count()
    reason = "Foro de lanzamiento"
    done = client.post(
        f"/api/v1/agreements/{agreement.pk}/close/", {"attendance_override_reason": reason}, format="json",
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "adopted" and body["tally"]["attendance_override"] == reason
    assert HistoryEvent.objects.count() == before + 1
    assert HistoryEvent.objects.latest("id").reason == reason


def test_the_plan_exposes_and_takes_its_forum_quorum(world: World) -> None:
    plan = world.own["plan"]
    client = world.client("coordinator")
    assert client.get(f"/api/v1/plans/{plan.pk}/").json()["forum_quorum_percent"] == 50
    changed = client.patch(f"/api/v1/plans/{plan.pk}/", {"forum_quorum_percent": 30}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["forum_quorum_percent"] == 30
    bad = client.patch(f"/api/v1/plans/{plan.pk}/", {"forum_quorum_percent": 0}, format="json")
    assert bad.status_code == 400 and "forum_quorum_percent" in bad.json()["errors"]
