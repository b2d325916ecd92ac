"""factory_boy factories for every model of plans and projects.

They write rows directly (no service, no history event): use them to arrange a test, and
call the services for the behaviour under test. Call `XFactory.create(...)` (typed: returns
the model) rather than `XFactory(...)` in type-checked code. Related rows are kept consistent (a forum's
plan is its phase's plan, a milestone's plan is its project's plan, ...).
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from factory.django import DjangoModelFactory

from plans.models import (
    Agreement,
    Cluster,
    Forum,
    ForumAttendance,
    KeyFigure,
    Organization,
    Phase,
    Plan,
    Position,
    Role,
    RoleAssignment,
    Stakeholder,
    StrategicLine,
)
from projects.models import (
    Expenditure,
    FundingLine,
    Indicator,
    Measurement,
    Milestone,
    MilestoneUpdate,
    Project,
    ProjectBeneficiary,
)

TEST_PASSWORD = "pass-1234"


@functools.cache
def _password_hash(raw: str) -> str:
    return make_password(raw)


class UserFactory(DjangoModelFactory[Any]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    # One hash shared by all factory users: hashing per user costs ~0.4 s with the real hasher.
    password = factory.LazyFunction(lambda: _password_hash(TEST_PASSWORD))


class ClusterFactory(DjangoModelFactory[Cluster]):
    class Meta:
        model = Cluster

    name = factory.Sequence(lambda n: f"Cluster {n}")
    slug = factory.Sequence(lambda n: f"cluster-{n}")
    sector = "dairy"
    province = "Tucumán"


class KeyFigureFactory(DjangoModelFactory[KeyFigure]):
    class Meta:
        model = KeyFigure

    cluster = factory.SubFactory(ClusterFactory)
    name = factory.Sequence(lambda n: f"Figure {n}")
    value = Decimal("75000")
    unit = "l/day"


class OrganizationFactory(DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    cluster = factory.SubFactory(ClusterFactory)
    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = Organization.Kind.PRIMARY_PRODUCER
    membership = Organization.Membership.FULL


class StakeholderFactory(DjangoModelFactory[Stakeholder]):
    class Meta:
        model = Stakeholder

    cluster = factory.SubFactory(ClusterFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")


class RoleAssignmentFactory(DjangoModelFactory[RoleAssignment]):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    cluster = factory.SubFactory(ClusterFactory)
    role = Role.COORDINATOR


class PlanFactory(DjangoModelFactory[Plan]):
    class Meta:
        model = Plan

    cluster = factory.SubFactory(ClusterFactory)
    title = factory.Sequence(lambda n: f"PMC {n}")
    edition = 1


class StrategicLineFactory(DjangoModelFactory[StrategicLine]):
    class Meta:
        model = StrategicLine

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"L{n}")
    title = factory.Sequence(lambda n: f"Line {n}")


class PhaseFactory(DjangoModelFactory[Phase]):
    class Meta:
        model = Phase

    plan = factory.SubFactory(PlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    kind = Phase.Kind.OTHER
    title = factory.Sequence(lambda n: f"Phase {n}")


class ForumFactory(DjangoModelFactory[Forum]):
    class Meta:
        model = Forum

    phase = factory.SubFactory(PhaseFactory)
    plan = factory.SelfAttribute("phase.plan")
    title = factory.Sequence(lambda n: f"Forum {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=3))


class ForumAttendanceFactory(DjangoModelFactory[ForumAttendance]):
    class Meta:
        model = ForumAttendance

    forum = factory.SubFactory(ForumFactory)
    organization = factory.SubFactory(OrganizationFactory, cluster=factory.SelfAttribute("..forum.plan.cluster"))
    stakeholder = None


class AgreementFactory(DjangoModelFactory[Agreement]):
    class Meta:
        model = Agreement

    plan = factory.SubFactory(PlanFactory)
    title = factory.Sequence(lambda n: f"Agreement {n}")
    subject = Agreement.Subject.CLOSE_PHASE  # closes any phase but validation (plans/phase_rules.py)
    rule = Agreement.Rule.CONSENT
    # A decided agreement records when (DB constraint); pass status=... and this follows.
    decided_at = factory.LazyAttribute(lambda o: None if o.status == Agreement.Status.OPEN else timezone.now())
    status = Agreement.Status.OPEN


class PositionFactory(DjangoModelFactory[Position]):
    class Meta:
        model = Position

    agreement = factory.SubFactory(AgreementFactory)
    organization = factory.SubFactory(
        OrganizationFactory, cluster=factory.SelfAttribute("..agreement.plan.cluster")
    )
    position = Position.Value.AGREE


class ProjectFactory(DjangoModelFactory[Project]):
    class Meta:
        model = Project

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    title = factory.Sequence(lambda n: f"Project {n}")
    category = Project.Category.QUALITY


class ProjectBeneficiaryFactory(DjangoModelFactory[ProjectBeneficiary]):
    class Meta:
        model = ProjectBeneficiary

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SubFactory(
        OrganizationFactory, cluster=factory.SelfAttribute("..project.plan.cluster")
    )


class FundingLineFactory(DjangoModelFactory[FundingLine]):
    class Meta:
        model = FundingLine

    project = factory.SubFactory(ProjectFactory)
    source = FundingLine.Source.PROGRAMME_GRANT
    budget = Decimal("100000.00")


class ExpenditureFactory(DjangoModelFactory[Expenditure]):
    class Meta:
        model = Expenditure

    funding_line = factory.SubFactory(FundingLineFactory)
    amount = Decimal("1000.00")
    spent_on = factory.LazyFunction(timezone.localdate)


class MilestoneFactory(DjangoModelFactory[Milestone]):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    plan = factory.SelfAttribute("project.plan")
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    baseline_due_date = factory.SelfAttribute("due_date")


class MilestoneUpdateFactory(DjangoModelFactory[MilestoneUpdate]):
    class Meta:
        model = MilestoneUpdate

    milestone = factory.SubFactory(MilestoneFactory)
    posted_on = factory.LazyFunction(timezone.localdate)
    note = "Progress as planned."


class IndicatorFactory(DjangoModelFactory[Indicator]):
    class Meta:
        model = Indicator

    plan = factory.SubFactory(PlanFactory)
    project = None
    name = factory.Sequence(lambda n: f"Indicator {n}")
    unit = "l/day"
    baseline_value = Decimal("50000")
    baseline_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    target_value = Decimal("75000")
    target_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))


class MeasurementFactory(DjangoModelFactory[Measurement]):
    class Meta:
        model = Measurement

    indicator = factory.SubFactory(IndicatorFactory)
    measured_on = factory.LazyFunction(timezone.localdate)
    value = Decimal("60000")
