"""Projects: creation, edits, every transition, the collective-benefit rule and beneficiaries."""

from __future__ import annotations

import itertools

import pytest

from plans.errors import Conflict, IllegalTransition, RuleViolation, StaleVersion, ValidationFailed
from plans.models import Plan
from projects.models import Project, ProjectBeneficiary
from projects.services.projects import (
    beneficiary_add,
    beneficiary_remove,
    project_create,
    project_transition,
    project_update,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Project.Status
ALL_MOVES = list(itertools.product(S.values, S.values))
LEGAL = [(a, b) for a, b in ALL_MOVES if b in Project.TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_MOVES if b not in Project.TRANSITIONS[a]]


def add_beneficiaries(project, organizations) -> None:  # type: ignore[no-untyped-def]
    for org in organizations:
        f.ProjectBeneficiaryFactory.create(project=project, organization=org)


# --- create / update ------------------------------------------------------------------------


def test_create_writes_the_project_and_one_create_event(plan, members, actor, new_events) -> None:
    line = f.StrategicLineFactory.create(plan=plan)
    project = project_create(
        plan_id=plan.pk, actor=actor, code="P7", title="Shared ripening room", category=Project.Category.INFRASTRUCTURE,
        strategic_line_id=line.pk, executing_organization=members[0], objective="Ripen a common cheese",
    )
    assert project.status == S.IDEA and project.strategic_line_id == line.pk
    [event] = new_events()
    assert (event.action, event.object_type, event.object_id) == ("create", "projects.project", project.pk)
    assert event.changes["code"] == [None, "P7"]
    assert event.changes["strategic_line"] == [None, line.pk]
    assert event.changes["executing_organization"] == [None, members[0].pk]
    assert event.plan_id == plan.pk and event.chain_id == plan.cluster_id and event.actor_label == "coordinator"


@pytest.mark.parametrize("status", [Plan.Status.CLOSED, Plan.Status.CANCELLED])
def test_create_is_refused_on_a_closed_or_cancelled_plan(plan, actor, new_events, status) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=status)
    with pytest.raises(RuleViolation):
        project_create(plan_id=plan.pk, actor=actor, code="P9", title="Late", category="quality")
    assert not Project.objects.filter(code="P9").exists() and new_events() == []


def test_create_refuses_a_strategic_line_of_another_plan(plan, actor, new_events) -> None:
    foreign_line = f.StrategicLineFactory.create()
    with pytest.raises(ValidationFailed) as exc:
        project_create(plan_id=plan.pk, actor=actor, code="P9", title="X", category="quality",
                       strategic_line=foreign_line)
    assert "strategic_line" in exc.value.errors and new_events() == []


def test_create_refuses_an_executing_organization_of_another_cluster(plan, outsider, actor, new_events) -> None:
    with pytest.raises(ValidationFailed) as exc:
        project_create(plan_id=plan.pk, actor=actor, code="P9", title="X", category="quality",
                       executing_organization_id=outsider.pk)
    assert "executing_organization" in exc.value.errors and new_events() == []


def test_create_refuses_a_duplicate_code_and_status_or_unknown_fields(plan, project, actor, new_events) -> None:
    with pytest.raises(ValidationFailed) as exc:
        project_create(plan_id=plan.pk, actor=actor, code=project.code, title="Again", category="quality")
    assert "code" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        project_create(plan_id=plan.pk, actor=actor, code="P2", title="X", category="quality", status="approved")
    assert "status" in exc.value.errors
    with pytest.raises(ValidationFailed):
        project_create(plan_id=plan.pk, actor=actor, code="P3", title="X", category="not-a-category")
    assert new_events() == [] and Project.objects.count() == 1


def test_update_records_old_and_new_and_raises_the_version(project, actor, new_events) -> None:
    project_update(project_id=project.pk, actor=actor, values={"title": "Cold rooms in Chubut", "priority": 2},
                   expected_version=1)
    project.refresh_from_db()
    assert project.title == "Cold rooms in Chubut" and project.version == 2
    [event] = new_events()
    assert event.action == "update"
    assert event.changes == {"title": ["Cold rooms", "Cold rooms in Chubut"], "priority": [None, 2]}


def test_update_refuses_stale_versions_status_and_foreign_lines(project, actor, new_events) -> None:
    with pytest.raises(StaleVersion):
        project_update(project_id=project.pk, actor=actor, values={"title": "X"}, expected_version=5)
    with pytest.raises(ValidationFailed) as exc:
        project_update(project_id=project.pk, actor=actor, values={"status": S.APPROVED})
    assert "status" in exc.value.errors
    with pytest.raises(ValidationFailed):
        project_update(project_id=project.pk, actor=actor,
                       values={"strategic_line": f.StrategicLineFactory.create().pk})
    project.refresh_from_db()
    assert project.title == "Cold rooms" and project.strategic_line_id is None and new_events() == []


def test_update_without_a_change_writes_no_event(project, actor, new_events) -> None:
    project_update(project_id=project.pk, actor=actor, values={"title": project.title})
    assert new_events() == []


# --- transitions ----------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_every_legal_transition_writes_one_event(project, members, actor, new_events, current, target) -> None:
    add_beneficiaries(project, members[:2])
    Project.objects.filter(pk=project.pk).update(status=current)
    project_transition(project_id=project.pk, to=target, actor=actor, reason="Decided at the assembly")
    project.refresh_from_db()
    assert project.status == target
    [event] = new_events()
    assert event.action == "transition" and event.changes["status"] == [current, target]
    assert project.collective_benefit_override_reason == ""


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_illegal_transition_is_refused_and_writes_nothing(
    project, members, actor, new_events, current, target
) -> None:
    add_beneficiaries(project, members[:2])
    Project.objects.filter(pk=project.pk).update(status=current)
    with pytest.raises(IllegalTransition):
        # No reason: an illegal move is refused as such, before any check of its input.
        project_transition(project_id=project.pk, to=target, actor=actor, reason="")
    project.refresh_from_db()
    assert project.status == current and project.version == 1 and new_events() == []


@pytest.mark.parametrize("target", [S.CANCELLED, S.SUSPENDED])
def test_cancelling_or_suspending_needs_a_reason(project, actor, new_events, target) -> None:
    Project.objects.filter(pk=project.pk).update(status=S.APPROVED)
    with pytest.raises(ValidationFailed) as exc:
        project_transition(project_id=project.pk, to=target, actor=actor, reason="  ")
    assert "reason" in exc.value.errors and new_events() == []


def test_transition_refuses_a_stale_version(project, actor, new_events) -> None:
    with pytest.raises(StaleVersion):
        project_transition(project_id=project.pk, to=S.FORMULATED, actor=actor, expected_version=2)
    assert new_events() == []


def test_starting_and_completing_fill_the_actual_dates(project, members, actor) -> None:
    Project.objects.filter(pk=project.pk).update(status=S.APPROVED)
    project_transition(project_id=project.pk, to=S.IN_EXECUTION, actor=actor)
    project_transition(project_id=project.pk, to=S.COMPLETED, actor=actor)
    project.refresh_from_db()
    assert project.actual_start is not None and project.actual_end is not None
    assert project.actual_end >= project.actual_start


# --- collective-benefit rule ----------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1])
def test_approval_with_fewer_than_two_beneficiaries_is_refused(project, members, actor, new_events, count) -> None:
    add_beneficiaries(project, members[:count])
    Project.objects.filter(pk=project.pk).update(status=S.PRIORITISED)
    with pytest.raises(RuleViolation) as exc:
        project_transition(project_id=project.pk, to=S.APPROVED, actor=actor)
    assert "collective_benefit_override" in exc.value.errors
    project.refresh_from_db()
    assert project.status == S.PRIORITISED and new_events() == []


def test_approval_with_two_member_beneficiaries_passes(project, members, actor, new_events) -> None:
    add_beneficiaries(project, members[:2])
    Project.objects.filter(pk=project.pk).update(status=S.PRIORITISED)
    project_transition(project_id=project.pk, to=S.APPROVED, actor=actor)
    [event] = new_events()
    assert event.changes == {"status": [S.PRIORITISED, S.APPROVED]}
    assert event.context == {"beneficiaries": 2}


def test_the_explicit_override_is_stored_on_the_project_and_the_event(project, members, actor, new_events) -> None:
    add_beneficiaries(project, members[:1])
    Project.objects.filter(pk=project.pk).update(status=S.PRIORITISED)
    override = "Only the provincial dairy board can run the laboratory"
    project_transition(project_id=project.pk, to=S.APPROVED, actor=actor, reason="forum III",
                       collective_benefit_override=override)
    project.refresh_from_db()
    assert project.status == S.APPROVED and project.collective_benefit_override_reason == override
    [event] = new_events()
    assert event.reason == "forum III"
    assert event.changes["collective_benefit_override_reason"] == ["", override]
    assert event.context == {"beneficiaries": 1, "collective_benefit_override": True}


def test_an_ordinary_reason_never_overrides_the_collective_benefit_rule(project, members, actor, new_events) -> None:
    add_beneficiaries(project, members[:1])
    Project.objects.filter(pk=project.pk).update(status=S.PRIORITISED)
    with pytest.raises(RuleViolation) as refused:
        project_transition(project_id=project.pk, to=S.APPROVED, actor=actor, reason="forum III")
    assert "collective_benefit_override" in refused.value.errors
    project.refresh_from_db()
    assert project.status == S.PRIORITISED and project.collective_benefit_override_reason == ""
    assert new_events() == []


def test_a_foreign_beneficiary_does_not_count_and_cannot_be_added(project, members, outsider, actor,
                                                                  new_events) -> None:
    with pytest.raises(ValidationFailed) as exc:
        beneficiary_add(project_id=project.pk, organization_id=outsider.pk, actor=actor)
    assert "organization" in exc.value.errors and new_events() == []
    # Even if such a row got in by other means, it would not satisfy the rule.
    add_beneficiaries(project, [members[0], outsider])
    Project.objects.filter(pk=project.pk).update(status=S.PRIORITISED)
    with pytest.raises(RuleViolation):
        project_transition(project_id=project.pk, to=S.APPROVED, actor=actor)


# --- beneficiaries --------------------------------------------------------------------------


def test_beneficiary_add_and_remove_write_one_event_each(project, members, actor, new_events) -> None:
    link = beneficiary_add(project_id=project.pk, organization_id=members[0].pk, actor=actor)
    beneficiary_remove(project_id=project.pk, organization_id=members[0].pk, actor=actor)
    created, deleted = new_events()
    assert (created.action, created.object_type, created.object_id) == ("create", "projects.projectbeneficiary",
                                                                        link.pk)
    assert created.changes["organization"] == [None, members[0].pk]
    assert deleted.action == "delete" and deleted.changes["organization"] == [members[0].pk, None]
    assert not ProjectBeneficiary.objects.exists()


def test_beneficiary_twice_or_missing_is_refused(project, members, actor, new_events) -> None:
    beneficiary_add(project_id=project.pk, organization_id=members[0].pk, actor=actor)
    with pytest.raises(Conflict):
        beneficiary_add(project_id=project.pk, organization_id=members[0].pk, actor=actor)
    with pytest.raises(ValidationFailed):
        beneficiary_remove(project_id=project.pk, organization_id=members[1].pk, actor=actor)
    assert len(new_events()) == 1


def test_an_approved_project_keeps_two_beneficiaries(project, members, actor, new_events) -> None:
    add_beneficiaries(project, members[:2])
    Project.objects.filter(pk=project.pk).update(status=S.APPROVED)
    with pytest.raises(RuleViolation):
        beneficiary_remove(project_id=project.pk, organization_id=members[0].pk, actor=actor)
    assert ProjectBeneficiary.objects.filter(project=project).count() == 2 and new_events() == []


def test_an_inactive_member_neither_counts_nor_can_be_added(project, members, actor, new_events) -> None:
    gone = f.OrganizationFactory.create(cluster=project.plan.cluster, is_active=False)
    with pytest.raises(ValidationFailed):
        beneficiary_add(project_id=project.pk, organization_id=gone.pk, actor=actor)
    add_beneficiaries(project, [members[0], gone])
    Project.objects.filter(pk=project.pk).update(status=S.PRIORITISED)
    with pytest.raises(RuleViolation):
        project_transition(project_id=project.pk, to=S.APPROVED, actor=actor)
    assert new_events() == []
