"""The recording core: one event per change, hash-chained per cluster, atomic with the change."""

from __future__ import annotations

import pytest
from django.db import transaction

from plans.errors import IllegalTransition, StaleVersion
from plans.models import Cluster, HistoryEvent, Plan, Source
from plans.services.history import (
    GENESIS_HASH,
    Actor,
    compute_hash,
    create_with_history,
    transition,
    update_with_history,
)

pytestmark = pytest.mark.django_db

ACTOR = Actor.system(Source.COMMAND)


def make_cluster(slug: str = "lacteo") -> Cluster:
    with transaction.atomic():
        return create_with_history(Cluster(name=f"Cluster {slug}", slug=slug), actor=ACTOR)


def test_create_records_initial_values_and_starts_the_chain() -> None:
    cluster = make_cluster()
    event = HistoryEvent.objects.get(object_type="plans.cluster", object_id=cluster.pk)
    assert event.action == "create"
    assert event.changes["name"] == [None, "Cluster lacteo"]
    assert event.chain_id == cluster.pk and event.chain_seq == 1
    assert event.prev_hash == GENESIS_HASH
    assert event.hash == compute_hash(event)


def test_update_records_old_and_new_and_links_to_previous_hash() -> None:
    cluster = make_cluster()
    first = HistoryEvent.objects.get(chain_id=cluster.pk)
    with transaction.atomic():
        event = update_with_history(cluster, actor=ACTOR, values={"province": "Tucumán"}, reason="dato")
    assert event is not None
    assert event.changes == {"province": ["", "Tucumán"]}
    assert event.prev_hash == first.hash and event.chain_seq == 2
    cluster.refresh_from_db()
    assert cluster.version == 2


def test_update_without_change_writes_nothing() -> None:
    cluster = make_cluster()
    with transaction.atomic():
        assert update_with_history(cluster, actor=ACTOR, values={"name": cluster.name}) is None
    assert HistoryEvent.objects.filter(chain_id=cluster.pk).count() == 1


def test_chains_are_per_cluster() -> None:
    a, b = make_cluster("a"), make_cluster("b")
    assert HistoryEvent.objects.get(object_id=a.pk, object_type="plans.cluster").chain_seq == 1
    assert HistoryEvent.objects.get(object_id=b.pk, object_type="plans.cluster").chain_seq == 1


def test_failed_service_leaves_neither_change_nor_event() -> None:
    cluster = make_cluster()
    with transaction.atomic():
        plan = create_with_history(Plan(cluster=cluster, title="PMC"), actor=ACTOR)
    before = HistoryEvent.objects.count()
    with pytest.raises(IllegalTransition), transaction.atomic():
        update_with_history(plan, actor=ACTOR, values={"vision": "nueva"})
        transition(plan, to=Plan.Status.CLOSED, actor=ACTOR)
    plan.refresh_from_db()
    assert plan.vision == "" and HistoryEvent.objects.count() == before


def test_stale_version_is_refused() -> None:
    cluster = make_cluster()
    with pytest.raises(StaleVersion), transaction.atomic():
        update_with_history(cluster, actor=ACTOR, values={"sector": "lácteo"}, expected_version=7)
    cluster.refresh_from_db()
    assert cluster.sector == ""
