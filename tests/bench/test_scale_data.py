"""bench.scale_data: the asked-for counts, one history event per bulk batch, clear errors."""

from __future__ import annotations

from io import StringIO

import pytest

from bench.scale import percent, project_progress
from bench.scale_data import main
from plans.models import HistoryEvent, Phase, Plan
from projects.models import Milestone, Project

pytestmark = pytest.mark.django_db


def generate(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    assert main(list(args), stdout=out, stderr=err) == 0
    return out.getvalue(), err.getvalue()


def test_small_run_creates_the_requested_rows_with_batch_events() -> None:
    out, _err = generate("--plans", "2", "--projects", "3", "--milestones", "7", "--batch-size", "4", "-v", "0")
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
    assert "42 projects.Milestone" in out


def test_progress_goes_to_stderr_unless_quiet() -> None:
    _out, err = generate("--plans", "1", "--projects", "1", "--milestones", "2")
    assert "rows" in err and "100%" in err
    _out, err = generate("--plans", "1", "--projects", "1", "--milestones", "2", "-v", "0")
    assert err == ""


def test_a_second_run_adds_a_new_cluster() -> None:
    generate("--plans", "1", "--projects", "1", "--milestones", "1", "-v", "0")
    generate("--plans", "1", "--projects", "1", "--milestones", "1", "-v", "0")
    assert sorted(Plan.objects.values_list("cluster__slug", flat=True)) == ["scale-00000", "scale-00001"]


@pytest.mark.parametrize(("args", "message"), [
    (["--plans", "-1"], "--plans must be a whole number of at least 1, not -1."),
    (["--projects", "-5"], "--projects must be a whole number of at least 0, not -5."),
    (["--milestones", "-2"], "--milestones must be a whole number of at least 0, not -2."),
    (["--batch-size", "0"], "--batch-size must be a whole number of at least 1, not 0."),
    (["--projects", "0", "--milestones", "3"], "--milestones needs --projects of at least 1."),
])
def test_bad_arguments_are_refused_before_writing(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not Plan.objects.exists() and not HistoryEvent.objects.exists()
