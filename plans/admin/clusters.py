"""Admin of clusters, their key figures, member organizations, stakeholders and roles."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from plans.access import access_for
from plans.admin.base import (
    ServiceAdmin,
    ServiceInline,
    cluster_filter,
    model_values,
    pk_of,
)
from plans.errors import ValidationFailed
from plans.models import (
    Cluster,
    KeyFigure,
    Organization,
    RoleAssignment,
    Stakeholder,
)
from plans.services import clusters as cluster_services
from plans.services.history import Actor


class KeyFigureInline(ServiceInline):
    model = KeyFigure
    fields = ("name", "value", "unit", "as_of")

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: Any) -> Any:
        data = form.cleaned_data
        return cluster_services.key_figure_set(
            cluster_id=parent.pk, actor=actor, name=data["name"], value=data["value"], unit=data["unit"],
            as_of=data.get("as_of"),
        )

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        if "name" in values:
            raise ValidationFailed(_("A key figure is identified by its name; add a new one instead."),
                                   errors={"name": [_("Not editable here.")]})
        data = form.cleaned_data
        cluster_services.key_figure_set(
            cluster_id=obj.cluster_id, actor=actor, name=obj.name, value=data["value"], unit=data["unit"],
            as_of=data.get("as_of"),
        )


@admin.register(Cluster)
class ClusterAdmin(ServiceAdmin):
    list_display = ("name", "province", "sector", "started_on", "is_sample")
    list_filter = ("province", "is_sample")
    search_fields = ("name", "slug", "province", "localities")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "sector", "province", "localities", "description", "programme", "time_zone",
              "started_on", "is_sample")
    inlines = (KeyFigureInline,)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access_for(request.user).is_admin  # programme administrators create clusters

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return cluster_services.cluster_create(actor=actor, **values)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        cluster_services.cluster_update(cluster_id=obj.pk, actor=actor, values=values)


class ClusterChildAdmin(ServiceAdmin):
    """Rows that hang directly from a cluster: the cluster is chosen once, on creation."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), *(("cluster",) if obj else ()))


@admin.register(Organization)
class OrganizationAdmin(ClusterChildAdmin):
    list_display = ("name", "cluster", "kind", "membership", "locality", "is_active", "is_sample")
    list_filter = (cluster_filter("cluster"), "kind", "membership", "is_active", "is_sample")
    search_fields = ("name", "locality", "contact_email")
    list_select_related = ("cluster",)
    fields = ("cluster", "name", "kind", "membership", "chain_link", "locality", "contact_email", "is_active",
              "is_sample")

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return cluster_services.organization_create(cluster_id=values.pop("cluster").pk, actor=actor, **values)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        cluster_services.organization_update(organization_id=obj.pk, actor=actor, values=values)


@admin.register(Stakeholder)
class StakeholderAdmin(ClusterChildAdmin):
    list_display = ("name", "email", "cluster", "organization", "language", "is_active", "is_sample")
    list_filter = (cluster_filter("cluster"), "language", "is_active", "is_sample")
    search_fields = ("name", "email", "organization__name")
    list_select_related = ("cluster", "organization")
    fields = ("cluster", "name", "email", "organization", "language", "time_zone", "is_active", "user", "is_sample")
    raw_id_fields = ("user",)

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        values = model_values(form, changed_only=False)
        return cluster_services.stakeholder_create(cluster_id=values.pop("cluster").pk, actor=actor, **values)

    def service_update(self, request: HttpRequest, actor: Actor, obj: Any, form: Any, values: dict[str, Any]) -> None:
        cluster_services.stakeholder_update(stakeholder_id=obj.pk, actor=actor, values=values)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ClusterChildAdmin):
    list_display = ("user", "role", "cluster")
    list_filter = ("role", cluster_filter("cluster"))
    search_fields = ("user__username", "user__email")
    list_select_related = ("user", "cluster")
    fields = ("user", "cluster", "role")
    raw_id_fields = ("user",)
    admin_only_writes = True
    can_delete = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("user", "cluster", "role") if obj else ()

    def service_create(self, request: HttpRequest, actor: Actor, form: Any) -> Any:
        data = form.cleaned_data
        return cluster_services.role_assign(
            user_id=data["user"].pk, cluster_id=pk_of(data.get("cluster")), role=data["role"], actor=actor
        )

    def service_delete(self, request: HttpRequest, actor: Actor, obj: Any) -> None:
        cluster_services.role_revoke(assignment_id=obj.pk, actor=actor)
