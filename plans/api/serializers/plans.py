"""Plans, strategic lines and consensus phases."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from plans.access import WRITE_ROLES
from plans.api.base.fields import ScopedPrimaryKeyRelatedField, SingleLineCharField
from plans.models import Agreement, Cluster, Phase, Plan, StrategicLine

from .clusters import ReadOnlyModelSerializer


class PhaseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Phase.Kind.choices)
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Phase.Status.choices)


class PlanSerializer(ReadOnlyModelSerializer):
    cluster_name = serializers.CharField(source="cluster.name", read_only=True)
    current_phase = serializers.SerializerMethodField(help_text="The active phase, or null when none is active.")
    progress = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, help_text="0-100, weighted by milestone weights."
    )

    class Meta:
        model = Plan
        fields = [
            "id", "cluster", "cluster_name", "title", "edition", "previous", "vision", "status", "current_phase",
            "progress", "grant_amount", "grant_currency", "approved_on", "forum_quorum_percent", "version",
            "created_at", "updated_at",
        ]

    @extend_schema_field(PhaseSummarySerializer(allow_null=True))
    def get_current_phase(self, plan: Plan) -> dict[str, Any] | None:
        active = getattr(plan, "active_phases", None)
        if active is None:  # not loaded through the selector
            active = list(plan.phases.filter(status=Phase.Status.ACTIVE))
        return PhaseSummarySerializer(active[0]).data if active else None


class PlanAsOfSerializer(serializers.Serializer):
    """`GET /plans/{id}/?as_of=`: the plan and its contents rebuilt from history (plans.audit)."""

    as_of = serializers.DateTimeField()
    exists = serializers.BooleanField(help_text="False when the plan did not exist yet at that moment.")
    plan = serializers.DictField(allow_null=True)
    phases = serializers.ListField(child=serializers.DictField())
    strategic_lines = serializers.ListField(child=serializers.DictField())
    projects = serializers.ListField(child=serializers.DictField())
    milestones = serializers.ListField(child=serializers.DictField())
    forums = serializers.ListField(child=serializers.DictField())


class PlanUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["title", "vision", "grant_amount", "grant_currency", "forum_quorum_percent"]


class PlanCreateSerializer(PlanUpdateSerializer):
    cluster = ScopedPrimaryKeyRelatedField(queryset=Cluster.objects.all())
    with_default_phases = serializers.BooleanField(default=True, write_only=True)

    class Meta(PlanUpdateSerializer.Meta):
        fields = ["cluster", *PlanUpdateSerializer.Meta.fields, "with_default_phases"]


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Plan.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ReformulateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    title = SingleLineCharField(required=False, allow_null=True, default=None, max_length=250)


class StrategicLineSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = StrategicLine
        fields = ["id", "plan", "code", "title", "description", "order", "version", "created_at", "updated_at"]


class StrategicLineUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = StrategicLine
        fields = ["code", "title", "description", "order"]
        validators: list[Any] = []


class StrategicLineCreateSerializer(StrategicLineUpdateSerializer):
    plan = ScopedPrimaryKeyRelatedField(queryset=Plan.objects.all())

    class Meta(StrategicLineUpdateSerializer.Meta):
        fields = ["plan", *StrategicLineUpdateSerializer.Meta.fields]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class PhaseSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Phase
        fields = [
            "id", "plan", "order", "kind", "title", "description", "planned_start", "planned_end", "actual_start",
            "actual_end", "status", "skip_reason", "outcome_agreement", "version", "created_at", "updated_at",
        ]


class PhaseUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["kind", "title", "description", "planned_start", "planned_end", "order"]
        validators: list[Any] = []
        # Planned end not before start is the service's rule (phases._check_dates), 400 with errors.


class PhaseCreateSerializer(PhaseUpdateSerializer):
    plan = ScopedPrimaryKeyRelatedField(queryset=Plan.objects.all())
    order = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=32767, default=None)

    class Meta(PhaseUpdateSerializer.Meta):
        fields = ["plan", *PhaseUpdateSerializer.Meta.fields]


class PhaseCompleteSerializer(serializers.Serializer):
    agreement = ScopedPrimaryKeyRelatedField(
        queryset=Agreement.objects.all(), roles=WRITE_ROLES,
        help_text="An adopted agreement of the same plan that records the phase's outcome.",
    )

