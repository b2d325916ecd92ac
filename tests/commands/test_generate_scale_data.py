"""generate_scale_data: the asked-for counts, one history event per bulk batch, clear errors."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from plans.models import HistoryEvent, Phase, Plan
from projects.models import Milestone, Project
from projects.scale import percent, project_progress

pytestmark = pytest.mark.django_db


def test_small_run_creates_the_requested_rows_with_batch_events() -> None:
    out = StringIO()
    call_command("generate_scale_data", plans=2, projects=3, milestones=7, batch_size=4, verbosity=0, stdout=out)
    assert (Plan.objects.count(), Phase.objects.count()) == (2, 16)
    assert Project.objects.count() == 6 and Milestone.objects.count() == 42
    batches = HistoryEvent.objects.filter(action="bulk_create", object_type="projects.milestone")
    # 21 milestones per plan in batches of 4: 6 batches per plan.
    assert batches.count() == 12
    assert sum(e.context["count"] for e in batches) == 42
    assert set(batches.values_list("source", flat=True)) == {"command"}
    first = batches.order_by("id").first()
    assert first is not None and first.context["last_id"] - first.context["first_id"] == 3
    project = Project.objects.order_by("id").first()
    assert project is not None and project.progress == percent(*project_progress(0, 7))
    assert "42 projects.Milestone" in out.getvalue()


def test_a_second_run_adds_a_new_cluster() -> None:
    call_command("generate_scale_data", plans=1, projects=1, milestones=1, verbosity=0, stdout=StringIO())
    call_command("generate_scale_data", plans=1, projects=1, milestones=1, verbosity=0, stdout=StringIO())
    assert sorted(Plan.objects.values_list("cluster__slug", flat=True)) == ["scale-00000", "scale-00001"]


@pytest.mark.parametrize("args", [
    ["--plans", "-1"], ["--projects", "-5"], ["--milestones", "-2"], ["--batch-size", "0"],
    ["--projects", "0", "--milestones", "3"],
])
def test_bad_arguments_are_refused_before_writing(args: list[str]) -> None:
    with pytest.raises(CommandError, match="--"):
        call_command("generate_scale_data", *args, verbosity=0, stdout=StringIO())
    assert not Plan.objects.exists() and not HistoryEvent.objects.exists()
