"""The page helpers of plans/web/base.py: scope, roles, the actor, and services called from forms."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.test import RequestFactory

from notifications.models import Delivery, Subscription
from plans.access import READ_ROLES, WRITE_ROLES
from plans.errors import PermissionDeniedError, RuleViolation
from plans.models import Cluster, ForumAttendance, HistoryEvent, Plan, Position, Role, Source
from plans.services.plans import plan_update
from plans.web.base import (
    VersionedForm,
    actor_from_request,
    cluster_path_for,
    domain_error_message,
    may,
    require_roles,
    run_service,
    scoped_or_404,
)
from projects.models import Expenditure, Measurement, Milestone, MilestoneUpdate
from tests.world import World

pytestmark = pytest.mark.django_db


def request_as(user: Any) -> Any:
    request = RequestFactory().post("/")
    request.user = user
    return request


@pytest.mark.parametrize(("model", "path"), [
    (Cluster, ""), (Plan, "cluster"), (Milestone, "plan__cluster"), (MilestoneUpdate, "milestone__plan__cluster"),
    (Expenditure, "funding_line__project__plan__cluster"), (Measurement, "indicator__plan__cluster"),
    (ForumAttendance, "forum__plan__cluster"), (Position, "agreement__plan__cluster"), (Delivery, "cluster"),
    (Subscription, "stakeholder__cluster"),
])
def test_each_model_has_a_path_to_its_cluster(model: Any, path: str) -> None:
    assert cluster_path_for(model) == path


def test_scoped_or_404_finds_own_objects_and_hides_others(people: World) -> None:
    coordinator = people.users["coordinator"]
    assert scoped_or_404(Plan.objects.all(), coordinator, people.own.plan.pk) == people.own.plan
    with pytest.raises(Http404):
        scoped_or_404(Plan.objects.all(), coordinator, people.other.plan.pk)
    with pytest.raises(Http404):
        scoped_or_404(Plan.objects.all(), coordinator, 987654)
    # All-cluster auditors and admins see every cluster; a narrower role set hides it again.
    assert scoped_or_404(Plan.objects.all(), people.users["global_auditor"], people.other.plan.pk) == people.other.plan
    with pytest.raises(Http404):
        scoped_or_404(Plan.objects.all(), people.users["auditor"], people.own.plan.pk, roles=WRITE_ROLES)
    dairy = people.own.cluster
    assert scoped_or_404(Cluster.objects.all(), people.users["stakeholder"], dairy.pk) == dairy


def test_require_roles_and_may_follow_the_cluster_roles(people: World) -> None:
    dairy, fruit = people.own.cluster.pk, people.other.cluster.pk
    require_roles(people.users["coordinator"], dairy, WRITE_ROLES)
    require_roles(people.users["admin"], fruit, WRITE_ROLES)  # programme administrators always pass
    for who, cluster in (("coordinator", fruit), ("stakeholder", dairy), ("global_auditor", dairy), ("auditor", dairy)):
        with pytest.raises(PermissionDenied):
            require_roles(people.users[who], cluster, WRITE_ROLES)
        assert may(people.users[who], cluster) is False
    require_roles(people.users["global_auditor"], fruit, READ_ROLES)
    assert may(people.users["stakeholder"], dairy, {Role.COORDINATOR, Role.STAKEHOLDER}) is True
    assert may(people.users["stakeholder"], fruit, {Role.COORDINATOR, Role.STAKEHOLDER}) is False


def test_the_actor_of_a_page_records_source_web(people: World) -> None:
    actor = actor_from_request(request_as(people.users["coordinator"]))
    assert actor.source == Source.WEB == "web"
    assert actor.user == people.users["coordinator"]


class VisionForm(VersionedForm):
    vision = forms.CharField()


def test_a_stale_form_is_refused_with_the_input_kept_and_nothing_written(people: World) -> None:
    plan = people.own.plan
    form = VisionForm({"vision": "Leche de calidad para el NOA", "version": plan.version})
    assert form.is_valid()
    Plan.objects.filter(pk=plan.pk).update(version=plan.version + 1)  # someone else saved meanwhile
    events = HistoryEvent.objects.count()
    outcome = run_service(request_as(people.users["coordinator"]), form, plan_update, plan_id=plan.pk,
                          values={"vision": form.cleaned_data["vision"]})
    assert (outcome.ok, outcome.stale, outcome.status) == (False, True, 409)
    assert "Someone else changed this" in form.non_field_errors()[0]
    assert form["vision"].value() == "Leche de calidad para el NOA"
    assert HistoryEvent.objects.count() == events


def test_the_form_version_reaches_the_service_and_the_change_is_recorded_from_the_web(people: World) -> None:
    plan = people.own.plan
    form = VisionForm({"vision": "Leche de calidad", "version": plan.version})
    assert form.is_valid()
    outcome = run_service(request_as(people.users["coordinator"]), form, plan_update, plan_id=plan.pk,
                          values={"vision": "Leche de calidad"})
    assert outcome.ok and outcome.value.vision == "Leche de calidad"
    event = HistoryEvent.objects.order_by("-id").first()
    assert event is not None and event.source == "web" and event.actor_id == people.users["coordinator"].pk


def test_a_rule_violation_is_a_409_with_the_rules_message(people: World) -> None:
    Plan.objects.filter(pk=people.own.plan.pk).update(status=Plan.Status.CLOSED)
    form = VisionForm({"vision": "Otra", "version": ""})
    assert form.is_valid()
    outcome = run_service(request_as(people.users["coordinator"]), form, plan_update, plan_id=people.own.plan.pk,
                          values={"vision": "Otra"})
    assert (outcome.ok, outcome.status) == (False, 409)
    assert form.non_field_errors() == ["A closed or cancelled plan cannot be edited."]


def test_field_errors_of_a_domain_error_land_on_their_fields(people: World) -> None:
    def refuse(**_: Any) -> None:
        raise RuleViolation("Not now.", errors={"vision": ["Too long for the plan."], "unknown": ["ignored"]})

    form = VisionForm({"vision": "x"})
    assert form.is_valid()
    outcome = run_service(request_as(people.users["coordinator"]), form, refuse)
    assert not outcome.ok
    assert form.errors["vision"] == ["Too long for the plan."]
    assert form.non_field_errors() == ["Not now."]


def test_a_database_conflict_never_shows_the_constraints_name() -> None:
    error = IntegrityError('duplicate key value violates unique constraint "plan_unique_edition"')
    message = domain_error_message(error)
    assert message == "The change conflicts with existing data."


def test_a_permission_error_from_a_service_is_a_403(people: World) -> None:
    def forbid(**_: Any) -> None:
        raise PermissionDeniedError()

    with pytest.raises(PermissionDenied):
        run_service(request_as(people.users["stakeholder"]), None, forbid)
