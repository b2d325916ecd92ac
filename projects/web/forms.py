"""Forms of the projects pages: they parse and label input; the services judge it.

Labels come from the models' verbose names (translated once, there). Foreign keys are
plain id choices filled from selectors, so a form runs no query of its own, and an id
outside the offered choices is refused before any service is called.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.db import models
from django.http import QueryDict
from django.utils.formats import get_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from plans.web import base
from projects.models import Currency, Expenditure, FundingLine, Milestone, Project

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


def label(model: type[models.Model], name: str) -> Any:
    """The field's verbose name, capitalised, still lazy (translated when rendered)."""
    return capfirst(model._meta.get_field(name).verbose_name)  # type: ignore[arg-type,union-attr]


def id_choice(*, label: Any, required: bool = False, empty_label: Any = None) -> forms.TypedChoiceField:
    """An id picked among choices given by the view (from a selector); empty means none."""
    field = forms.TypedChoiceField(label=label, coerce=int, required=required, empty_value=None)
    field.empty_label = empty_label if empty_label is not None else _("(none)")  # type: ignore[attr-defined]
    return field


def set_choices(field: forms.Field, choices: list[tuple[int, str]]) -> None:
    empty = getattr(field, "empty_label", None)
    field.choices = ([("", empty)] if empty is not None else []) + list(choices)  # type: ignore[attr-defined]


class VersionedForm(base.VersionedForm):
    """The row version the page showed (`run_service` passes it as `expected_version`)."""

    def refresh_version(self, current: int) -> None:
        """After a stale write: keep the person's input, arm the form with the current version."""
        data = QueryDict(mutable=True)
        data.update(self.data)
        data[self.add_prefix("version")] = str(current)
        self.data = data


# --- Milestones -----------------------------------------------------------------------------


class MilestoneFilterForm(forms.Form):
    """GET filters of the milestone list and calendar; an invalid field is just not applied."""

    q = forms.CharField(label=_("Text"), required=False, max_length=100,
                        help_text=_("Words in the title or the description."))
    project = id_choice(label=label(Milestone, "project"), empty_label=_("All projects"))
    responsible = id_choice(label=label(Milestone, "responsible"), empty_label=_("Anyone"))
    status = forms.MultipleChoiceField(label=label(Milestone, "status"), required=False,
                                       choices=Milestone.Status.choices, widget=forms.CheckboxSelectMultiple)
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
    due_soon = forms.BooleanField(label=_("Due in the next 14 days"), required=False)

    def __init__(self, data: Any, *, choices: dict[str, list[tuple[int, str]]]) -> None:
        super().__init__(data)
        set_choices(self.fields["project"], choices["projects"])
        set_choices(self.fields["responsible"], choices["responsibles"])

    def is_filtering(self) -> bool:
        return any(value not in (None, "", [], (), False) for value in self.selector_kwargs().values())

    def selector_kwargs(self) -> dict[str, Any]:
        """The valid part of the input, as `selectors.milestone_filter` keywords."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "project_id": data.get("project"),
            "responsible_id": data.get("responsible"),
            "statuses": tuple(data.get("status") or ()),
            "overdue": True if data.get("overdue") else None,
            "due_soon": bool(data.get("due_soon")),
            "text": data.get("q") or "",
        }


def parse_month(value: str | None, default: dt.date) -> dt.date:
    """`YYYY-MM` -> the first day of that month; anything else -> the default's month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return dt.date(year, month, 1) if 1900 <= year <= 2999 else default.replace(day=1)
    except ValueError:
        return default.replace(day=1)


# --- Projects -------------------------------------------------------------------------------


class ProjectForm(VersionedForm):
    """Create (without the actual dates) and edit a project's descriptive fields."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "code", "title", "objective", "category", "good_type", "strategic_line", "executing_organization",
        "executing_body", "planned_start", "planned_end", "priority",
    )
    EDIT_FIELDS: ClassVar[tuple[str, ...]] = ("actual_start", "actual_end")

    code = forms.CharField(label=label(Project, "code"), max_length=20)
    title = forms.CharField(label=label(Project, "title"), max_length=250)
    objective = forms.CharField(label=label(Project, "objective"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}))
    category = forms.ChoiceField(label=label(Project, "category"), choices=Project.Category.choices)
    good_type = forms.ChoiceField(label=label(Project, "good_type"), choices=Project.GoodType.choices,
                                  initial=Project.GoodType.PUBLIC)
    strategic_line = id_choice(label=label(Project, "strategic_line"))
    executing_organization = id_choice(label=label(Project, "executing_organization"))
    executing_body = forms.CharField(label=label(Project, "executing_body"), max_length=200, required=False)
    planned_start = forms.DateField(label=label(Project, "planned_start"), required=False, widget=DATE_WIDGET)
    planned_end = forms.DateField(label=label(Project, "planned_end"), required=False, widget=DATE_WIDGET)
    actual_start = forms.DateField(label=label(Project, "actual_start"), required=False, widget=DATE_WIDGET)
    actual_end = forms.DateField(label=label(Project, "actual_end"), required=False, widget=DATE_WIDGET)
    priority = forms.IntegerField(label=label(Project, "priority"), required=False, min_value=0, max_value=32767)

    def __init__(self, *args: Any, choices: dict[str, list[tuple[int, str]]], editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["strategic_line"], choices["strategic_lines"])
        set_choices(self.fields["executing_organization"], choices["organizations"])
        if not editing:
            for name in self.EDIT_FIELDS:
                del self.fields[name]
            del self.fields["version"]

    @classmethod
    def initial_from(cls, project: Project) -> dict[str, Any]:
        initial = {name: getattr(project, name) for name in cls.FIELDS + cls.EDIT_FIELDS
                   if name not in ("strategic_line", "executing_organization")}
        initial["strategic_line"] = project.strategic_line_id
        initial["executing_organization"] = project.executing_organization_id
        initial["version"] = project.version
        return initial

    def service_values(self) -> dict[str, Any]:
        """The fields as `project_create`/`project_update` take them (foreign keys as ids)."""
        data = {name: self.cleaned_data[name] for name in self.fields if name != "version"}
        data["strategic_line_id"] = data.pop("strategic_line")
        data["executing_organization_id"] = data.pop("executing_organization")
        for name in ("objective", "executing_body"):
            data[name] = data[name] or ""
        return data

    def changed_values(self, project: Project) -> dict[str, Any]:
        """Only what differs from the stored row: an untouched field never overwrites a
        concurrent change to it, and an unchanged form writes nothing."""
        current = self.initial_from(project)
        values = self.service_values()
        return {
            name: value for name, value in values.items()
            if current.get(name.removesuffix("_id"), None) != value
        }


class TransitionForm(VersionedForm):
    to = forms.ChoiceField(label=_("New status"), choices=Project.Status.choices)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to cancel or suspend."),
    )
    # The collective-benefit override is its own act: a reason and a confirmation of its own.
    collective_benefit_override = forms.CharField(
        label=_("Why approve it with fewer than two beneficiary organizations"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm_override = forms.BooleanField(
        label=_("I override the collective-benefit rule for this project; the override is recorded in the history"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = (data.get("collective_benefit_override") or "").strip()
        if text and not data.get("confirm_override"):
            self.add_error("confirm_override", _("Confirm the override, or leave its reason empty."))
        if data.get("confirm_override") and not text:
            self.add_error("collective_benefit_override", _("Give the reason for the override."))
        data["collective_benefit_override"] = text if data.get("confirm_override") else ""
        return data


class BeneficiaryAddForm(VersionedForm):
    organization = id_choice(label=_("Organization"), required=True, empty_label=_("Choose an organization"))

    def __init__(self, *args: Any, candidates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["organization"], candidates)


class BeneficiaryRemoveForm(VersionedForm):
    pass


# --- Funding --------------------------------------------------------------------------------


class MoneyField(forms.DecimalField):
    """An amount typed as its reader writes it: "1.500.000,50" or "1500,50" in Spanish,
    "1,500,000.50" in English, and "1500.50" in either. A lone dot followed by other than three
    digits is a decimal point (as Django reads it); "1.500" in Spanish is fifteen hundred."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = normalize_amount(value)
        return super().to_python(value)


def normalize_amount(text: str) -> str:
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    decimal_sep = str(get_format("DECIMAL_SEPARATOR"))
    # Grouping is the other mark of the two (Spanish's own separator, a space, is removed above).
    thousands = "." if decimal_sep == "," else ","
    whole, sep, fraction = text.rpartition(decimal_sep) if decimal_sep in text else (text, "", "")
    groups = whole.split(thousands)
    if len(groups) > 1 and groups[0] and all(len(group) == 3 and group.isdigit() for group in groups[1:]):
        whole = "".join(groups)
    return f"{whole}.{fraction}" if sep else whole


def money_field(model: type[models.Model], name: str, **kwargs: Any) -> MoneyField:
    return MoneyField(label=label(model, name), max_digits=16, decimal_places=2,
                      widget=forms.TextInput(attrs=MONEY_ATTRS), **kwargs)


class FundingLineForm(VersionedForm):
    """Create a line (version = the project's) or edit one (version = the line's)."""

    source = forms.ChoiceField(label=label(FundingLine, "source"), choices=FundingLine.Source.choices)
    currency = forms.ChoiceField(label=label(FundingLine, "currency"), choices=Currency.choices,
                                 initial=Currency.ARS)
    budget = money_field(FundingLine, "budget", min_value=0)
    description = forms.CharField(label=label(FundingLine, "description"), max_length=250, required=False)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to set the budget below the amount already executed."),
    )

    EDITABLE: ClassVar[tuple[str, ...]] = ("source", "currency", "budget", "description")

    def __init__(self, *args: Any, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["reason"]

    @classmethod
    def initial_from(cls, line: FundingLine) -> dict[str, Any]:
        return {**{name: getattr(line, name) for name in cls.EDITABLE}, "version": line.version}

    def changed_values(self, line: FundingLine) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.EDITABLE
                if self.cleaned_data[name] != getattr(line, name)}


class ExpenditureForm(forms.Form):
    amount = money_field(Expenditure, "amount")
    spent_on = forms.DateField(label=label(Expenditure, "spent_on"), widget=DATE_WIDGET)
    description = forms.CharField(label=label(Expenditure, "description"), max_length=250, required=False)
    over_budget_reason = forms.CharField(
        label=label(Expenditure, "over_budget_reason"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Needed when the expenditure exceeds the budget."),
    )
