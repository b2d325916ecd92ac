"""Rules that read then write hold row locks: concurrent calls serialise instead of racing.

PostgreSQL only (SQLite serialises every write transaction anyway).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from plans.errors import DomainError
from plans.models import Agreement, HistoryEvent, Plan, Source, StrategicLine
from plans.services.agreements import agreement_close, agreement_create, position_record
from plans.services.clusters import cluster_create
from plans.services.history import Actor
from plans.services.phases import phase_start
from plans.services.plans import plan_create, strategic_line_create
from tests.plans.helpers import members

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ACTOR = Actor.system(Source.COMMAND)


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at once, each in its own thread and connection; return results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # the test inspects what each racer got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.fixture
def plan(on_postgres: None) -> Plan:
    cluster = cluster_create(actor=ACTOR, name="Lácteo", slug="lacteo")
    return plan_create(cluster_id=cluster.pk, actor=ACTOR, title="PMC")


def test_same_code_twice_at_once_gives_one_line_and_one_clear_error(plan: Plan) -> None:
    results = race(*[
        (lambda: strategic_line_create(plan_id=plan.pk, actor=ACTOR, code="E1", title="Calidad"))
        for _ in range(2)
    ])
    assert sum(isinstance(r, StrategicLine) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1, results
    assert StrategicLine.objects.filter(plan=plan).count() == 1


def test_a_phase_started_twice_at_once_moves_once(plan: Plan) -> None:
    first = plan.phases.get(order=1)
    results = race(*[(lambda: phase_start(phase_id=first.pk, actor=ACTOR)) for _ in range(2)])
    # The second caller waits for the lock, then sees the phase active: an illegal move, no event.
    assert sum(isinstance(r, DomainError) for r in results) == 1, results
    assert HistoryEvent.objects.filter(object_type="plans.phase", action="transition").count() == 1


def test_a_position_racing_the_close_is_either_counted_or_refused(plan: Plan) -> None:
    orgs = members(plan.cluster_id, 2)
    agreement = agreement_create(plan_id=plan.pk, actor=ACTOR, title="A", subject=Agreement.Subject.OTHER)
    position_record(agreement_id=agreement.pk, organization_id=orgs[0].pk, position="agree", actor=ACTOR)
    results = race(
        lambda: agreement_close(agreement_id=agreement.pk, actor=ACTOR),
        lambda: position_record(agreement_id=agreement.pk, organization_id=orgs[1].pk, position="block", actor=ACTOR),
    )
    agreement.refresh_from_db()
    late = isinstance(results[1], DomainError)
    # Either the block arrived first and was counted, or it came after the decision and was refused.
    assert agreement.tally["block"] == (0 if late else 1)
    assert agreement.status == (Agreement.Status.ADOPTED if late else Agreement.Status.REJECTED)
    assert HistoryEvent.objects.filter(object_type="plans.position").count() == (1 if late else 2)
