"""The shared factories build consistent rows for every model."""

from __future__ import annotations

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory_class",
    [
        f.UserFactory, f.ClusterFactory, f.KeyFigureFactory, f.OrganizationFactory, f.StakeholderFactory,
        f.RoleAssignmentFactory, f.PlanFactory, f.StrategicLineFactory, f.PhaseFactory, f.ForumFactory,
        f.ForumAttendanceFactory, f.AgreementFactory, f.PositionFactory, f.ProjectFactory,
        f.ProjectBeneficiaryFactory, f.FundingLineFactory, f.ExpenditureFactory, f.MilestoneFactory,
        f.MilestoneUpdateFactory, f.IndicatorFactory, f.MeasurementFactory,
    ],
)
def test_factory_builds_a_valid_saved_row(factory_class) -> None:  # type: ignore[no-untyped-def]
    obj = factory_class.create()
    assert obj.pk is not None
    if hasattr(obj, "full_clean") and not isinstance(obj, f.UserFactory._meta.model):
        obj.full_clean()


def test_related_rows_share_one_cluster_and_plan() -> None:
    attendance = f.ForumAttendanceFactory.create()
    assert attendance.organization is not None
    assert attendance.organization.cluster_id == attendance.forum.plan.cluster_id
    assert attendance.forum.plan_id == attendance.forum.phase.plan_id
    milestone = f.MilestoneFactory.create()
    assert milestone.plan_id == milestone.project.plan_id
    position = f.PositionFactory.create()
    assert position.organization.cluster_id == position.agreement.plan.cluster_id


def test_factory_users_can_log_in_with_the_test_password() -> None:
    user = f.UserFactory.create()
    assert user.check_password(f.TEST_PASSWORD)
