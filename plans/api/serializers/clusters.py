"""Users, clusters (with key figures), member organizations, stakeholders and role assignments.

Output serializers are read-only; input serializers list exactly the fields a client may
set, so `status`, `version`, the parent cluster of an existing row and computed fields can
never be assigned (unknown keys are ignored by DRF).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from plans.api.base.fields import ScopedPrimaryKeyRelatedField
from plans.models import Cluster, KeyFigure, Organization, Role, RoleAssignment, Stakeholder

User = get_user_model()


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    """Every field read-only: used for responses."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


# --- Users ----------------------------------------------------------------------------------


class UserSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "is_active", "is_superuser", "date_joined"]


class UserWriteSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    # No default: `format: email` with `default: ""` is an invalid schema (the service defaults it).
    email = serializers.EmailField(required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    password = serializers.CharField(write_only=True, min_length=1, max_length=128, style={"input_type": "password"})

    def validate_username(self, value: str) -> str:
        taken = User._default_manager.filter(username__iexact=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(_("A user with that username already exists."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "password" in attrs:
            probe = User(username=attrs.get("username", ""), email=attrs.get("email", ""))
            try:
                validate_password(attrs["password"], user=probe)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class UserUpdateSerializer(UserWriteSerializer):
    is_active = serializers.BooleanField(required=False)


# --- Clusters -----------------------------------------------------------------------------------


class KeyFigureSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = KeyFigure
        fields = ["id", "name", "value", "unit", "as_of", "version"]


class KeyFigureWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    value = serializers.DecimalField(max_digits=18, decimal_places=2)
    unit = serializers.CharField(max_length=60)
    as_of = serializers.DateField(required=False, allow_null=True, default=None)


class ClusterSerializer(ReadOnlyModelSerializer):
    key_figures = KeyFigureSerializer(many=True, read_only=True)

    class Meta:
        model = Cluster
        fields = [
            "id", "name", "slug", "sector", "province", "localities", "description", "programme", "time_zone",
            "started_on", "is_sample", "key_figures", "version", "created_at", "updated_at",
        ]


class ClusterWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cluster
        fields = [
            "name", "slug", "sector", "province", "localities", "description", "programme", "time_zone",
            "started_on", "is_sample",
        ]
        # Uniqueness is the service's (and the database's) to check, under its lock.
        extra_kwargs: dict[str, Any] = {"slug": {"validators": []}}


# --- Organizations and stakeholders ------------------------------------------------------------


class OrganizationSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id", "cluster", "name", "kind", "membership", "chain_link", "locality", "contact_email",
            "is_active", "is_sample", "version", "created_at", "updated_at",
        ]


class OrganizationUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["name", "kind", "membership", "chain_link", "locality", "contact_email", "is_active", "is_sample"]
        validators: list[Any] = []


class OrganizationCreateSerializer(OrganizationUpdateSerializer):
    cluster = ScopedPrimaryKeyRelatedField(queryset=Cluster.objects.all())

    class Meta(OrganizationUpdateSerializer.Meta):
        fields = ["cluster", *OrganizationUpdateSerializer.Meta.fields]


class StakeholderSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Stakeholder
        fields = [
            "id", "cluster", "name", "email", "organization", "language", "time_zone", "is_active", "user",
            "is_sample", "version", "created_at", "updated_at",
        ]


class StakeholderSelfUpdateSerializer(serializers.ModelSerializer):
    """What a stakeholder may change on their own record."""

    class Meta:
        model = Stakeholder
        fields = ["name", "email", "language", "time_zone"]
        validators: list[Any] = []


class StakeholderUpdateSerializer(serializers.ModelSerializer):
    organization = ScopedPrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    user = serializers.PrimaryKeyRelatedField(queryset=User._default_manager.all(), required=False, allow_null=True)

    class Meta:
        model = Stakeholder
        fields = ["name", "email", "organization", "language", "time_zone", "is_active", "user", "is_sample"]
        validators: list[Any] = []


class StakeholderCreateSerializer(StakeholderUpdateSerializer):
    cluster = ScopedPrimaryKeyRelatedField(queryset=Cluster.objects.all())

    class Meta(StakeholderUpdateSerializer.Meta):
        fields = ["cluster", *StakeholderUpdateSerializer.Meta.fields]


# --- Role assignments ---------------------------------------------------------------------------


class RoleAssignmentSerializer(ReadOnlyModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "username", "cluster", "role", "version", "created_at"]


class RoleAssignmentCreateSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User._default_manager.all())
    cluster = serializers.PrimaryKeyRelatedField(queryset=Cluster.objects.all(), allow_null=True, required=False)
    role = serializers.ChoiceField(choices=Role.choices)


# --- me -------------------------------------------------------------------------------------------


class ClusterRolesSerializer(serializers.Serializer):
    cluster = serializers.IntegerField(allow_null=True, help_text="null: every cluster (global auditor)")
    cluster_name = serializers.CharField(allow_null=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


class MeSerializer(serializers.Serializer):
    user = UserSerializer()
    is_programme_admin = serializers.BooleanField()
    roles = ClusterRolesSerializer(many=True)

