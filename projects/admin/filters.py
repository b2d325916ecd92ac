"""List filters: overdue and due-soon milestones, projects with overdue milestones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import (
    Milestone,
    Project,
)


def overdue_q(today: dt.date) -> Q:
    return Q(status__in=Milestone.OPEN_STATUSES, due_date__lt=today)


class MilestoneDueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("overdue", _("overdue")), ("soon", _("due in the next 14 days"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Milestone]) -> QuerySet[Milestone]:
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(overdue_q(today))
        if self.value() == "soon":
            return queryset.filter(
                status__in=Milestone.OPEN_STATUSES, due_date__gte=today,
                due_date__lte=today + dt.timedelta(days=14),
            )
        return queryset


class ProjectOverdueFilter(admin.SimpleListFilter):
    title = _("overdue milestones")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("has overdue milestones")), ("no", _("none overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Project]) -> QuerySet[Project]:
        late = Milestone.objects.filter(overdue_q(timezone.localdate()), project=OuterRef("pk"))
        if self.value() == "yes":
            return queryset.filter(Exists(late))
        if self.value() == "no":
            return queryset.exclude(Exists(late))
        return queryset
