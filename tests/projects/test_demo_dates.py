"""The demo's 2012 story carries the dates it happened: the plan as of 2012-09-21 shows the
launch done and the diagnosis under way, the chain verifies, and only a command replays the past."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from plans.audit.asof import plan_state
from plans.audit.verify import verify_chains
from plans.models import Agreement, Forum, HistoryEvent, Phase, Plan, Source
from plans.services import clusters as cluster_services
from plans.services.history import Actor, recorded_at
from tests import factories as f
from tests.demo_data import demo_loaded

pytestmark = pytest.mark.django_db
TUCUMAN = ZoneInfo("America/Argentina/Tucuman")


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Plan]:
    """Loaded once for the module and rolled back after its last test."""
    with demo_loaded(django_db_blocker):
        yield Plan.objects.get(cluster__slug="lacteo-tucuman")


def test_as_of_the_day_after_the_launch_forum_the_launch_is_done_and_the_diagnosis_under_way(demo: Plan) -> None:
    state = plan_state(demo.pk, dt.datetime(2012, 9, 21, 0, 0, tzinfo=TUCUMAN))

    assert state["exists"] and state["plan"]["status"] == "formulation"
    phases = {p["kind"]: p for p in state["phases"]}
    assert phases["launch"]["status"] == "completed" and phases["launch"]["actual_end"] == "2012-09-20"
    assert phases["diagnosis"]["status"] == "active" and phases["diagnosis"]["actual_start"] == "2012-09-20"
    assert all(p["status"] == "pending" for kind, p in phases.items() if kind not in ("launch", "diagnosis"))
    forum = next(x for x in state["forums"] if "Lanzamiento" in x["title"])
    assert forum["status"] == "held"
    assert state["projects"] == []  # the early actions are today's, not 2012's


def test_the_rows_tell_the_same_dates_as_their_events(demo: Plan) -> None:
    launch = Phase.objects.get(plan=demo, kind=Phase.Kind.LAUNCH)
    assert (launch.actual_start, launch.actual_end) == (dt.date(2012, 7, 2), dt.date(2012, 9, 20))
    agreement = Agreement.objects.get(plan=demo, phase=launch)
    assert agreement.decided_at == dt.datetime(2012, 9, 20, 12, 30, tzinfo=TUCUMAN)
    held = HistoryEvent.objects.get(object_type="plans.forum", action="transition",
                                    object_id=Forum.objects.get(plan=demo, title__contains="Lanzamiento").pk)
    assert timezone.localtime(held.occurred_at, TUCUMAN).date() == dt.date(2012, 9, 20)


def test_before_the_forum_was_announced_it_does_not_exist_yet(demo: Plan) -> None:
    state = plan_state(demo.pk, dt.datetime(2012, 9, 1, tzinfo=TUCUMAN))

    assert state["forums"] == []
    assert {p["kind"]: p["status"] for p in state["phases"]}["launch"] == "active"


def test_each_chain_stays_in_time_order_and_verifies(demo: Plan) -> None:
    report = verify_chains()
    assert report.ok, report.as_dict(all_chains=False)
    times = list(HistoryEvent.objects.filter(chain_id=demo.cluster_id).order_by("chain_seq")
                 .values_list("occurred_at", flat=True))
    assert times == sorted(times)
    assert times[0].year == 2012 and times[-1] > timezone.now() - dt.timedelta(hours=1)


def test_only_a_command_may_record_the_past() -> None:
    cluster = f.ClusterFactory.create()
    with recorded_at(dt.datetime(2012, 1, 1, tzinfo=dt.UTC)), pytest.raises(RuntimeError, match="command"):
        cluster_services.organization_create(cluster_id=cluster.pk, actor=Actor.system(Source.WEB), name="X",
                                             kind="other")


def test_the_past_cannot_be_recorded_behind_the_chains_last_event() -> None:
    cluster = f.ClusterFactory.create()
    command = Actor.system(Source.COMMAND)
    cluster_services.organization_create(cluster_id=cluster.pk, actor=command, name="Hoy", kind="other")
    with recorded_at(dt.datetime(2012, 1, 1, tzinfo=dt.UTC)), pytest.raises(RuntimeError, match="already has"):
        cluster_services.organization_create(cluster_id=cluster.pk, actor=command, name="Antes", kind="other")
    with recorded_at(timezone.now() + dt.timedelta(days=1)), pytest.raises(RuntimeError, match="future"):
        cluster_services.organization_create(cluster_id=cluster.pk, actor=command, name="Mañana", kind="other")
