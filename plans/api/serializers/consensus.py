"""Forums, their attendance, agreements and the positions organizations take."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from plans.api.base.fields import ScopedPrimaryKeyRelatedField
from plans.models import Agreement, Forum, ForumAttendance, Organization, Phase, Plan, Position, Stakeholder

from .clusters import ReadOnlyModelSerializer

FIRST_YEAR, LAST_YEAR = 1900, 2999


class ForumSerializer(ReadOnlyModelSerializer):
    time_zone = serializers.CharField(source="plan.cluster.time_zone", read_only=True)

    class Meta:
        model = Forum
        fields = [
            "id", "plan", "phase", "title", "starts_at", "ends_at", "time_zone", "venue", "address", "organizer",
            "agenda", "minutes", "status", "sequence", "version", "created_at", "updated_at",
        ]


def plausible_moment(value: dt.datetime | None) -> dt.datetime | None:
    """Forums happen in our era: far dates are typos, and before 1900 time zones had odd offsets."""
    if value is not None and not (FIRST_YEAR <= value.year <= LAST_YEAR):
        raise serializers.ValidationError(
            _("Give a date between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return value


class ForumUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Forum
        fields = ["title", "starts_at", "ends_at", "venue", "address", "organizer", "agenda"]

    def validate_starts_at(self, value: dt.datetime) -> dt.datetime | None:
        return plausible_moment(value)

    def validate_ends_at(self, value: dt.datetime | None) -> dt.datetime | None:
        return plausible_moment(value)

    # End after start is the service's rule (forums._check_times): one copy, 400 with errors.ends_at.


class ForumCreateSerializer(ForumUpdateSerializer):
    phase = ScopedPrimaryKeyRelatedField(queryset=Phase.objects.all())

    class Meta(ForumUpdateSerializer.Meta):
        fields = ["phase", *ForumUpdateSerializer.Meta.fields]


class HoldSerializer(serializers.Serializer):
    minutes = serializers.CharField(max_length=100_000, help_text="The minutes (acta) of the forum.")


class CloseSerializer(serializers.Serializer):
    attendance_override_reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="",
        help_text="Forum consensus only: why the forum may decide although fewer full member organizations "
        "attended than the plan's forum quorum. Recorded in the tally and as the event's reason.",
    )


class AttendanceSerializer(ReadOnlyModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True, allow_null=True, default=None)
    stakeholder_name = serializers.CharField(source="stakeholder.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ForumAttendance
        fields = ["id", "forum", "organization", "organization_name", "stakeholder", "stakeholder_name", "version"]


class AttendanceWriteSerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False, allow_null=True)
    stakeholder = ScopedPrimaryKeyRelatedField(queryset=Stakeholder.objects.all(), required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("organization") is None) == (attrs.get("stakeholder") is None):
            message = _("Give exactly one.")
            raise serializers.ValidationError({"organization": [message], "stakeholder": [message]})
        return attrs


class AgreementSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Agreement
        fields = [
            "id", "plan", "phase", "forum", "title", "text", "subject", "rule", "quorum_percent", "status",
            "closes_on", "tally", "decided_at", "version", "created_at", "updated_at",
        ]


class AgreementCreateSerializer(serializers.ModelSerializer):
    plan = ScopedPrimaryKeyRelatedField(queryset=Plan.objects.all())
    forum = ScopedPrimaryKeyRelatedField(
        queryset=Forum.objects.all(), required=False, allow_null=True
    )
    phase = ScopedPrimaryKeyRelatedField(
        queryset=Phase.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Agreement
        fields = ["plan", "phase", "forum", "title", "text", "subject", "rule", "quorum_percent", "closes_on"]
        # Without one, the service sets the default (settings.PMC_AGREEMENT_OPEN_DAYS after opening).
        extra_kwargs = {"closes_on": {"required": False, "allow_null": True}}


class PositionSerializer(ReadOnlyModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Position
        fields = [
            "id", "agreement", "organization", "organization_name", "position", "comment", "recorded_by",
            "recorded_by_name", "version", "created_at", "updated_at",
        ]


class PositionWriteSerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyRelatedField(queryset=Organization.objects.all())
    position = serializers.ChoiceField(choices=Position.Value.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)

