"""load_demo: the seed's facts, written through the services, and idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F, Sum
from django.utils import timezone

from plans.access import access_for
from plans.models import Cluster, Forum, HistoryEvent, Organization, Phase, Plan, Role, Stakeholder
from projects.models import FundingLine, Milestone, Project
from tests.demo_data import demo_loaded

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    labels = ("plans", "projects", "auth")
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.app_label in labels}


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Loaded once for the module (it takes seconds) and rolled back after its last test."""
    with demo_loaded(django_db_blocker):
        yield


def test_a_second_run_changes_nothing(demo: None) -> None:
    first = counts()
    last_event = HistoryEvent.objects.order_by("-id").values_list("id", flat=True).first()
    hashes = dict(get_user_model().objects.values_list("username", "password"))
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert counts() == first
    assert HistoryEvent.objects.order_by("-id").values_list("id", flat=True).first() == last_event
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes
    assert "already loaded" in out.getvalue()


def test_every_row_has_its_history_from_the_command(demo: None) -> None:
    assert set(HistoryEvent.objects.values_list("source", flat=True)) == {"command"}
    milestones = Milestone.objects.count()
    assert HistoryEvent.objects.filter(object_type="projects.milestone", action="create").count() == milestones
    assert HistoryEvent.objects.filter(object_type="plans.organization").count() == Organization.objects.count()


def test_tucuman_dairy_cluster_follows_the_seed(demo: None) -> None:
    cluster = Cluster.objects.get(slug="lacteo-tucuman")
    assert cluster.started_on == dt.date(2012, 7, 1)
    figures = {k.name: k.value for k in cluster.key_figures.all()}
    assert sorted(figures.values()) == [Decimal(50000), Decimal(75000), Decimal(500000)]
    kinds = dict.fromkeys(Organization.Kind.values, 0)
    for kind in cluster.organizations.values_list("kind", flat=True):
        kinds[kind] += 1
    assert (kinds["primary_producer"], kinds["artisanal_industry"], kinds["medium_industry"],
            kinds["support_institution"]) == (45, 18, 3, 11)
    assert cluster.organizations.get(name="Tambo muestra 01").is_sample
    plan = Plan.objects.get(cluster=cluster)
    assert plan.status == Plan.Status.FORMULATION
    phases = dict(plan.phases.values_list("kind", "status"))
    assert (phases["launch"], phases["diagnosis"]) == ("completed", "active")
    launch = Forum.objects.get(plan=plan, phase__kind=Phase.Kind.LAUNCH)
    local = launch.starts_at.astimezone(ZoneInfo("America/Argentina/Tucuman"))
    assert (local.date(), local.time()) == (dt.date(2012, 9, 20), dt.time(8, 30))
    assert launch.status == Forum.Status.HELD and "Camino del Perú 1050" in launch.address
    assert launch.organizer == "Coordinación Cluster Lácteo de Tucumán"
    outcome = plan.phases.get(kind="launch").outcome_agreement
    assert outcome is not None and outcome.rule == "forum_consensus" and outcome.status == "adopted"


def test_fine_fruit_cluster_is_executing_with_every_state(demo: None) -> None:
    plan = Plan.objects.get(cluster__slug="frutas-finas-norpatagonia")
    assert plan.status == Plan.Status.IN_EXECUTION and plan.strategic_lines.count() == 3
    projects = Project.objects.filter(plan=plan)
    assert set(projects.values_list("category", flat=True)) == set(Project.Category.values)
    money = FundingLine.objects.filter(project__plan=plan).aggregate(budget=Sum("budget"), executed=Sum("executed"))
    assert (money["executed"], money["budget"] - money["executed"]) == (Decimal(1185000), Decimal(578000))
    assert projects.filter(executing_body="CORFO Chubut").count() >= 4
    milestones = Milestone.objects.filter(plan=plan)
    assert set(milestones.values_list("status", flat=True)) == set(Milestone.Status.values)
    today = timezone.localdate()
    assert sum(m.is_overdue_on(today) for m in milestones) >= 3
    soon = milestones.filter(status__in=Milestone.OPEN_STATUSES, due_date__gte=today,
                             due_date__lte=today + dt.timedelta(days=14))
    assert soon.exists()
    assert milestones.exclude(due_date=F("baseline_due_date")).count() == 1


def test_demo_logins_have_their_roles(demo: None) -> None:
    users = {u.username: u for u in get_user_model().objects.all()}
    assert users["admin"].is_superuser and users["admin"].check_password("demo-pass-for-tests")
    lacteo = Cluster.objects.get(slug="lacteo-tucuman")
    fruit = Cluster.objects.get(slug="frutas-finas-norpatagonia")
    coordinator = access_for(users["coordinator"])
    assert users["coordinator"].is_staff and not users["coordinator"].is_superuser
    assert coordinator.can_write(lacteo.pk) and not coordinator.can_read(fruit.pk)
    assert users["auditor"].has_perm("projects.view_milestone") and not users["auditor"].has_perm(
        "projects.change_milestone")
    auditor = access_for(users["auditor"])
    assert auditor.global_roles == {Role.AUDITOR} and not auditor.can_write(lacteo.pk)
    person = Stakeholder.objects.get(user=users["stakeholder"])
    assert person.cluster == lacteo and person.email
    assert access_for(users["stakeholder"]).roles_in(lacteo.pk) == {Role.STAKEHOLDER}



def test_tucuman_plan_has_early_actions_to_work_on(demo: None) -> None:
    plan = Plan.objects.get(cluster__slug="lacteo-tucuman")
    assert plan.status == Plan.Status.FORMULATION  # the early actions run during the diagnosis
    projects = Project.objects.filter(plan=plan)
    assert set(projects.values_list("status", flat=True)) == {Project.Status.IN_EXECUTION}
    today = timezone.localdate()
    milestones = Milestone.objects.filter(plan=plan)
    assert sum(m.is_overdue_on(today) for m in milestones) >= 3
    assert milestones.filter(status__in=Milestone.OPEN_STATUSES, due_date__gte=today,
                             due_date__lte=today + dt.timedelta(days=14)).exists()
    assert milestones.filter(responsible__email="stakeholder@example.org").exists()
    currencies = set(FundingLine.objects.filter(project__plan=plan).values_list("currency", flat=True))
    assert currencies == {"ARS", "USD"}
    assert plan.indicators.get().measurements.count() >= 2
    plan.refresh_from_db()
    assert plan.progress > 0
