"""Shapes of the projects API.

Output serializers describe (and, for details, render) the rows built by
`projects.selectors`; list endpoints render those rows directly, and a test checks that a
list row and the detail of the same object are identical. Input serializers list only what
a client may set: status, version, the plan of an existing object, baseline dates and
computed fields are never writable (they are not fields of any input serializer).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from plans.api.base.fields import ScopedPrimaryKeyRelatedField, SingleLineCharField
from plans.models import Organization, Plan, Stakeholder, StrategicLine
from projects.models import Currency, FundingLine, Milestone, Project

# --- Output -------------------------------------------------------------------------------

Money = serializers.DecimalField


class MoneyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    budget = Money(max_digits=18, decimal_places=2)
    executed = Money(max_digits=18, decimal_places=2)
    pending = Money(max_digits=18, decimal_places=2)


class FundingLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.ChoiceField(choices=FundingLine.Source.choices)  # type: ignore[assignment]
    currency = serializers.CharField()
    budget = Money(max_digits=16, decimal_places=2)
    executed = Money(max_digits=16, decimal_places=2)
    pending = Money(max_digits=16, decimal_places=2)
    description = serializers.CharField()
    version = serializers.IntegerField()


class ExpenditureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    funding_line = serializers.IntegerField()
    amount = Money(max_digits=16, decimal_places=2)
    spent_on = serializers.DateField()
    description = serializers.CharField()
    over_budget_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class BeneficiarySerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    name = serializers.CharField()


class MilestoneCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField(help_text=_("Open milestones due within 14 days."))


class ProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField()
    strategic_line = serializers.IntegerField(allow_null=True)
    code = serializers.CharField()
    title = serializers.CharField()
    objective = serializers.CharField()
    category = serializers.ChoiceField(choices=Project.Category.choices)
    good_type = serializers.ChoiceField(choices=Project.GoodType.choices)
    executing_organization = serializers.IntegerField(allow_null=True)
    executing_body = serializers.CharField()
    planned_start = serializers.DateField(allow_null=True)
    planned_end = serializers.DateField(allow_null=True)
    actual_start = serializers.DateField(allow_null=True)
    actual_end = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Project.Status.choices)
    priority = serializers.IntegerField(allow_null=True)
    collective_benefit_override_reason = serializers.CharField()
    progress = serializers.DecimalField(max_digits=5, decimal_places=2)
    version = serializers.IntegerField()
    budget_total = MoneyTotalSerializer(many=True, help_text=_("Per currency; currencies never mix."))
    funding = FundingLineSerializer(many=True)
    beneficiaries = BeneficiarySerializer(many=True)
    milestone_counts = MilestoneCountsSerializer()


class MilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField()
    plan = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    due_date = serializers.DateField()
    baseline_due_date = serializers.DateField()
    weight = serializers.IntegerField()
    responsible = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=Milestone.Status.choices)
    completed_on = serializers.DateField(allow_null=True)
    completion_note = serializers.CharField()
    evidence_url = serializers.CharField()
    version = serializers.IntegerField()
    is_overdue = serializers.BooleanField()


class MilestoneUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    milestone = serializers.IntegerField()
    author = serializers.IntegerField(allow_null=True)
    posted_on = serializers.DateField()
    note = serializers.CharField()
    evidence_url = serializers.CharField()
    proposes_completion = serializers.BooleanField()
    version = serializers.IntegerField()


class IndicatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField()
    project = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    unit = serializers.CharField()
    baseline_value = serializers.DecimalField(max_digits=18, decimal_places=4)
    baseline_date = serializers.DateField()
    target_value = serializers.DecimalField(max_digits=18, decimal_places=4)
    target_date = serializers.DateField()
    version = serializers.IntegerField()


class MeasurementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    indicator = serializers.IntegerField()
    measured_on = serializers.DateField()
    value = serializers.DecimalField(max_digits=18, decimal_places=4)
    note = serializers.CharField()
    version = serializers.IntegerField()


# --- Input --------------------------------------------------------------------------------


def visible_id(model: Any, **kwargs: Any) -> ScopedPrimaryKeyRelatedField:
    """An id of a row the requesting user may see; others are 'does not exist' (400, no probing)."""
    return ScopedPrimaryKeyRelatedField(queryset=model.objects.all(), **kwargs)


class ProjectWriteSerializer(serializers.Serializer):
    code = SingleLineCharField(max_length=20)
    title = SingleLineCharField(max_length=250)
    objective = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Project.Category.choices)
    good_type = serializers.ChoiceField(choices=Project.GoodType.choices, required=False)
    strategic_line = visible_id(StrategicLine, required=False, allow_null=True)
    executing_organization = visible_id(Organization, required=False, allow_null=True)
    executing_body = SingleLineCharField(max_length=200, required=False, allow_blank=True)
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_end = serializers.DateField(required=False, allow_null=True)
    actual_start = serializers.DateField(required=False, allow_null=True)
    actual_end = serializers.DateField(required=False, allow_null=True)
    priority = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=32767)


class ProjectCreateSerializer(ProjectWriteSerializer):
    plan = visible_id(Plan)


class ProjectTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Project.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    collective_benefit_override = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000,
        help_text="Approving a project with fewer than two beneficiary organizations: the override's "
                  "reason. The ordinary `reason` never overrides the collective-benefit rule.",
    )


class BeneficiaryAddSerializer(serializers.Serializer):
    organization = visible_id(Organization)


class FundingLineCreateSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=FundingLine.Source.choices)  # type: ignore[assignment]
    currency = serializers.ChoiceField(choices=Currency.choices)
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    description = SingleLineCharField(max_length=250, required=False, allow_blank=True, default="")


class ExpenditureCreateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    spent_on = serializers.DateField()
    description = SingleLineCharField(max_length=250, required=False, allow_blank=True, default="")
    over_budget_reason = serializers.CharField(required=False, allow_blank=True, default="",
                                               help_text=_("Required when the line's budget is exceeded."))


class FundingLineUpdateSerializer(serializers.Serializer):
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False)
    description = SingleLineCharField(max_length=250, required=False, allow_blank=True)


class MilestoneWriteSerializer(serializers.Serializer):
    title = SingleLineCharField(max_length=250)
    description = serializers.CharField(required=False, allow_blank=True)
    weight = serializers.IntegerField(required=False, min_value=1, max_value=32767)
    responsible = visible_id(Stakeholder, required=False, allow_null=True)


class MilestoneCreateSerializer(MilestoneWriteSerializer):
    project = visible_id(Project)
    due_date = serializers.DateField()


class MilestoneCompleteSerializer(serializers.Serializer):
    completed_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_url = serializers.URLField(max_length=500, required=False, allow_blank=True)  # no "" default: format uri


class MilestoneRescheduleSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    reason = serializers.CharField()


class MilestoneReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class MilestoneUpdatePostSerializer(serializers.Serializer):
    note = serializers.CharField()
    posted_on = serializers.DateField(required=False, allow_null=True, default=None)
    evidence_url = serializers.URLField(max_length=500, required=False, allow_blank=True)  # no "" default: format uri
    proposes_completion = serializers.BooleanField(
        required=False, default=False,
        help_text="The note asks a coordinator to complete the milestone (they confirm with POST .../complete/).",
    )


class IndicatorWriteSerializer(serializers.Serializer):
    name = SingleLineCharField(max_length=200)
    unit = SingleLineCharField(max_length=60)
    baseline_value = serializers.DecimalField(max_digits=18, decimal_places=4)
    baseline_date = serializers.DateField()
    target_value = serializers.DecimalField(max_digits=18, decimal_places=4)
    target_date = serializers.DateField()


class IndicatorCreateSerializer(IndicatorWriteSerializer):
    plan = visible_id(Plan)
    project = visible_id(Project, required=False, allow_null=True)


class MeasurementCreateSerializer(serializers.Serializer):
    measured_on = serializers.DateField()
    value = serializers.DecimalField(max_digits=18, decimal_places=4)
    note = SingleLineCharField(max_length=250, required=False, allow_blank=True, default="")


