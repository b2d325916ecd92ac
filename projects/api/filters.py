"""Query-parameter filters of the projects API (django-filter).

Ids are plain numbers, not model choices: an id the user may not see filters to an empty
list instead of answering 400, so filters cannot be used to probe other clusters.
"""

from __future__ import annotations

import copy
from typing import Any

import django_filters as filters
from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from projects.models import Indicator, Milestone, Project
from projects.selectors import filter_overdue


def values_of(choices: type[models.TextChoices]) -> list[tuple[str, str]]:
    """Plain (value, value) pairs: FilterSets deep-copy their filters and form fields on every
    request, and lazy translated labels make that copy several times slower."""
    return [(value, value) for value in choices.values]


class IdFilter(filters.NumberFilter):
    """A whole-number id (a decimal like 1e400 or 1.5 is a 400, never a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class _ShallowCopies(dict[str, Any]):
    """`base_filters` whose per-request deep copy is a shallow copy of each filter."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        copies: dict[str, Any] = {}
        for name, original in self.items():
            new = copy.copy(original)
            if getattr(original, "_method", None) is not None:
                new.method = original._method  # bind the method filter to the copy, not the original
            copies[name] = new
        return copies


class LeanFilterSet(filters.FilterSet):
    """A FilterSet without the per-request rebuild: django-filter deep-copies every filter and
    builds a new form class on each request (about 2 ms here, more than our list queries take).
    Filters hold no per-request state besides `model`/`parent`, set on each shallow copy."""

    @classmethod
    def get_filters(cls) -> Any:
        return _ShallowCopies(super().get_filters())

    def get_form_class(self) -> Any:
        form_class = type(self).__dict__.get("_lean_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._lean_form_class = form_class  # type: ignore[attr-defined]
        return form_class


class ProjectFilter(LeanFilterSet):
    plan = IdFilter(field_name="plan_id")
    cluster = IdFilter(field_name="plan__cluster_id")
    strategic_line = IdFilter(field_name="strategic_line_id")
    status = filters.MultipleChoiceFilter(choices=values_of(Project.Status))
    category = filters.MultipleChoiceFilter(choices=values_of(Project.Category))

    class Meta:
        model = Project
        fields = ["plan", "cluster", "strategic_line", "status", "category"]


BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


class MilestoneFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        before, after = data.get("due_before"), data.get("due_after")
        if before and after and after > before:
            # An empty window is a client mistake worth saying, not an empty list.
            raise forms.ValidationError({"due_after": _("due_after must not be later than due_before.")})
        return data


class MilestoneFilter(LeanFilterSet):
    project = IdFilter(field_name="project_id")
    plan = IdFilter(field_name="plan_id")
    responsible = IdFilter(field_name="responsible_id")
    status = filters.MultipleChoiceFilter(choices=values_of(Milestone.Status))
    # A choice, not a BooleanFilter: "?overdue=perhaps" is a 400, not silently ignored.
    overdue = filters.ChoiceFilter(choices=BOOLEAN_CHOICES, method="filter_overdue")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")

    class Meta:
        model = Milestone
        form = MilestoneFilterForm
        fields = ["project", "plan", "responsible", "status", "overdue", "due_before", "due_after"]

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return filter_overdue(queryset, value in ("true", "1")) if value else queryset


class IndicatorFilter(LeanFilterSet):
    plan = IdFilter(field_name="plan_id")
    project = IdFilter(field_name="project_id")

    class Meta:
        model = Indicator
        fields = ["plan", "project"]
