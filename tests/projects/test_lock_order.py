"""Each write locks each row once, in the documented order: milestone -> project -> plan -> chain head.

On PostgreSQL, where FOR UPDATE is real: the statements are read from the queries the write
sends, so a second lock of a row (or one taken after the chain head) shows up here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.services.history import Actor
from projects.models import Milestone, Project
from projects.services.milestones import milestone_cancel, milestone_complete, milestone_create, milestone_update
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_postgres")]

LOCKED_ROW = re.compile(r'FROM "(?P<table>\w+)" WHERE "(?P=table)"\."(?P<column>\w+)" = (?P<value>\d+)')


def row_locks(write: Callable[[], Any]) -> list[tuple[str, int]]:
    """(table, key) of every SELECT ... FOR UPDATE the write sends, in order."""
    with CaptureQueriesContext(connection) as queries:
        write()
    locks = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if "FOR UPDATE" in sql:
            found = LOCKED_ROW.search(sql)
            assert found, f"a FOR UPDATE this test cannot read: {sql}"
            locks.append((found["table"], int(found["value"])))
    return locks


@pytest.fixture
def milestone(project: Project) -> Milestone:
    return f.MilestoneFactory.create(project=project)


def expected(milestone: Milestone | None, project: Project) -> list[tuple[str, int]]:
    first = [("projects_milestone", milestone.pk)] if milestone is not None else []
    return [*first, ("projects_project", project.pk), ("plans_plan", project.plan_id),
            ("plans_historychainhead", project.plan.cluster_id)]


def test_milestone_complete_locks_milestone_project_plan_chain_head_once_each(
    milestone: Milestone, project: Project, actor: Actor,
) -> None:
    locks = row_locks(lambda: milestone_complete(
        milestone_id=milestone.pk, actor=actor, completed_on=timezone.localdate() - dt.timedelta(days=1),
    ))
    assert locks == expected(milestone, project)
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.COMPLETED  # the write happened, with its locks


def test_milestone_cancel_and_a_weight_change_keep_the_same_order(
    milestone: Milestone, project: Project, actor: Actor,
) -> None:
    assert row_locks(lambda: milestone_update(milestone_id=milestone.pk, actor=actor, values={"weight": 3})) == (
        expected(milestone, project)
    )
    assert row_locks(lambda: milestone_cancel(milestone_id=milestone.pk, actor=actor, reason="Dropped")) == (
        expected(milestone, project)
    )


def test_milestone_create_locks_project_plan_chain_head_once_each(project: Project, actor: Actor) -> None:
    locks = row_locks(lambda: milestone_create(
        project_id=project.pk, actor=actor, title="Tender", due_date=timezone.localdate() + dt.timedelta(days=9),
    ))
    assert locks == expected(None, project)
