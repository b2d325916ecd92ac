"""Two transactions at once, on PostgreSQL: the row locks keep the read-then-write rules true."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from plans.errors import ValidationFailed
from plans.models import HistoryChainHead, Plan
from plans.services.history import Actor
from projects.models import Milestone
from projects.services.funding import expenditure_record
from projects.services.milestones import milestone_complete
from tests import factories as f

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def today() -> dt.date:
    """Today, read when the test runs (a constant read at import goes stale in a long or parallel run)."""
    return timezone.localdate()


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def race(
    first: Callable[[], Any], second: Callable[[], Any], while_waiting: Callable[[], Any] | None = None
) -> dict[str, Any]:
    """Run `first` in a transaction kept open until `second` is seen waiting on a lock.

    `while_waiting` runs (in this thread) at that moment; its result is in "observed".
    """
    results: dict[str, Any] = {}
    first_done, release = threading.Event(), threading.Event()

    def run_first() -> None:
        try:
            with transaction.atomic():
                results["first"] = first()
                first_done.set()
                release.wait(10)
        except Exception as exc:
            results["first"] = exc
            first_done.set()
        finally:
            connection.close()

    def run_second() -> None:
        first_done.wait(10)
        try:
            results["second"] = second()
        except Exception as exc:
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while lock_waiters() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    results["second_waited"] = lock_waiters() > 0
    if while_waiting is not None:
        results["observed"] = while_waiting()
    release.set()
    for thread in threads:
        thread.join(15)
    return results


def test_two_expenditures_cannot_both_fit_in_the_same_remaining_budget(on_postgres, actor: Actor) -> None:
    line = f.FundingLineFactory.create(budget=Decimal("1000.00"))

    def spend() -> Any:
        return expenditure_record(funding_line_id=line.pk, actor=actor, amount="600", spent_on=today())

    results = race(spend, spend)
    assert results["second_waited"]
    assert not isinstance(results["first"], Exception)
    # The second read the executed amount only after the first committed, so it is over budget.
    assert isinstance(results["second"], ValidationFailed) and "over_budget_reason" in results["second"].errors
    line.refresh_from_db()
    assert line.executed == Decimal("600.00")


def test_plan_progress_counts_two_milestones_completed_at_once_in_two_projects(on_postgres, plan,
                                                                               actor: Actor) -> None:
    ones = [f.MilestoneFactory.create(project=f.ProjectFactory.create(plan=plan), weight=1) for _ in range(2)]

    def complete(milestone: Milestone) -> Callable[[], Any]:
        return lambda: milestone_complete(milestone_id=milestone.pk, actor=actor, completed_on=today())

    results = race(complete(ones[0]), complete(ones[1]))
    assert results["second_waited"]
    assert not isinstance(results["first"], Exception) and not isinstance(results["second"], Exception)
    plan.refresh_from_db()
    assert plan.progress == Decimal("100.00")


def test_a_milestone_change_waits_for_the_plan_before_taking_the_history_chain(on_postgres, plan,
                                                                             actor: Actor) -> None:
    """Lock order milestone -> project -> plan -> chain head, the order project_create and
    plan_transition (plan -> chain head) also follow; taking the chain head first and the plan
    after could deadlock against them."""
    milestone = f.MilestoneFactory.create(project=f.ProjectFactory.create(plan=plan))
    HistoryChainHead.objects.get_or_create(chain_id=plan.cluster_id)

    def hold_the_plan() -> Any:
        return Plan.objects.select_for_update().get(pk=plan.pk)

    def chain_head_is_free() -> bool:
        try:
            with transaction.atomic():
                HistoryChainHead.objects.select_for_update(nowait=True).get(chain_id=plan.cluster_id)
            return True
        except DatabaseError:
            return False

    results = race(
        hold_the_plan,
        lambda: milestone_complete(milestone_id=milestone.pk, actor=actor, completed_on=today()),
        while_waiting=chain_head_is_free,
    )
    assert results["second_waited"] and results["observed"] is True
    assert not isinstance(results["second"], Exception)
