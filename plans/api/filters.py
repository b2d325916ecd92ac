"""FilterSets of the plans API, named as in the contract (`?cluster=`, `?plan=`, `?status=`...).

Ids are plain number filters: an id outside the user's clusters simply matches nothing
(the queryset is already scoped), and a non-number is a 400.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from plans.models import Agreement, Forum, Organization, Phase, Plan, Role, RoleAssignment, Stakeholder, StrategicLine


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.Filter):
    """An integer id within the database's range (a huge number is a 400, never a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class UserFilter(filters.FilterSet):
    is_active = filters.BooleanFilter()

    class Meta:
        model = get_user_model()
        fields = ["is_active"]


class OrganizationFilter(filters.FilterSet):
    cluster = IdFilter(field_name="cluster_id")
    kind = filters.ChoiceFilter(choices=Organization.Kind.choices)
    membership = filters.ChoiceFilter(choices=Organization.Membership.choices)
    is_active = filters.BooleanFilter()

    class Meta:
        model = Organization
        fields = ["cluster", "kind", "membership", "is_active"]


class StakeholderFilter(filters.FilterSet):
    cluster = IdFilter(field_name="cluster_id")
    organization = IdFilter(field_name="organization_id")
    is_active = filters.BooleanFilter()

    class Meta:
        model = Stakeholder
        fields = ["cluster", "organization", "is_active"]


class RoleAssignmentFilter(filters.FilterSet):
    cluster = IdFilter(field_name="cluster_id")
    user = IdFilter(field_name="user_id")
    role = filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = RoleAssignment
        fields = ["cluster", "user", "role"]


class PlanFilter(filters.FilterSet):
    cluster = IdFilter(field_name="cluster_id")
    status = filters.ChoiceFilter(choices=Plan.Status.choices)

    class Meta:
        model = Plan
        fields = ["cluster", "status"]


class StrategicLineFilter(filters.FilterSet):
    plan = IdFilter(field_name="plan_id")

    class Meta:
        model = StrategicLine
        fields = ["plan"]


class PhaseFilter(filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    status = filters.ChoiceFilter(choices=Phase.Status.choices)
    kind = filters.ChoiceFilter(choices=Phase.Kind.choices)

    class Meta:
        model = Phase
        fields = ["plan", "status", "kind"]


class ForumFilter(filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    phase = IdFilter(field_name="phase_id")
    status = filters.ChoiceFilter(choices=Forum.Status.choices)
    starts_after = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Forum
        fields = ["plan", "phase", "status", "starts_after", "starts_before"]


class AgreementFilter(filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    forum = IdFilter(field_name="forum_id")
    phase = IdFilter(field_name="phase_id")
    status = filters.ChoiceFilter(choices=Agreement.Status.choices)
    subject = filters.ChoiceFilter(choices=Agreement.Subject.choices)

    class Meta:
        model = Agreement
        fields = ["plan", "forum", "phase", "status", "subject"]
