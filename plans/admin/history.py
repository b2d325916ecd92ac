"""The history in the admin: read-only for everyone, scoped to the clusters one may audit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from plans.access import OVERSIGHT_ROLES, access_for
from plans.admin.base import (
    RoleScopedMixin,
)
from plans.models import HistoryEvent, VersionedModel


class ObjectTypeFilter(admin.SimpleListFilter):
    """Fixed choices: a DISTINCT over millions of events would slow every page."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from django.apps import apps

        # The models whose changes are recorded, whatever app declares them.
        recorded = [m._meta for m in apps.get_models() if issubclass(m, VersionedModel)]
        return sorted((o.label_lower, str(o.verbose_name)) for o in recorded)

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(HistoryEvent)
class HistoryEventAdmin(RoleScopedMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The event stream, for coordinators (their clusters) and auditors; nobody edits it."""

    read_roles = OVERSIGHT_ROLES
    list_display = ("id", "occurred_at", "actor_label", "source", "action", "object_type", "object_repr", "plan_id")
    list_filter = ("occurred_at", "source", "action", ObjectTypeFilter)  # no date_hierarchy: DISTINCT on millions
    search_fields = ("object_repr", "reason", "actor_label")
    show_full_result_count = False
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> Any:
        scope = access_for(request.user).scope_q("chain_id", self.read_roles)
        return super().get_queryset(request).filter(scope)

    def obj_cluster_id(self, obj: Any) -> int | None:
        return obj.chain_id or None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in HistoryEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
