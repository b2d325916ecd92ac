"""Forms of the notification pages: they parse what a person typed; the services judge it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.kinds import SUBSCRIBABLE_KINDS, Kind
from notifications.models import Delivery, Frequency, Subscription
from notifications.selectors import IN_DOUBT, DeliveryFilters
from plans.models import Stakeholder
from plans.models.cluster import Language

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("any status")), (IN_DOUBT, _("in doubt (needs a decision)")), *Delivery.Status.choices],
    )
    recipient = forms.CharField(label=_("Recipient (name or email)"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind of message"), required=False, choices=[("", _("any kind")), *Kind.choices])
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date comes before the start date."))
        return data

    def filters(self) -> DeliveryFilters:
        """The valid filters (an invalid field is ignored and shown with its error)."""
        if not self.is_bound:
            return DeliveryFilters()
        self.is_valid()
        data = self.cleaned_data
        dates_ok = "date_from" not in self.errors and "date_to" not in self.errors  # a reversed range: neither
        return DeliveryFilters(
            status=data.get("status") or "", recipient=(data.get("recipient") or "").strip(),
            kind=data.get("kind") or "", date_from=data.get("date_from") if dates_ok else None,
            date_to=data.get("date_to") if dates_ok else None,
        )


def target_value(scope: str, scope_id: int) -> str:
    return f"{scope}:{scope_id}"


class SubscriptionForm(forms.Form):
    """Create (with `stakeholder`) or edit a subscription; `about` packs scope and id in one choice."""

    stakeholder = forms.ModelChoiceField(label=_("Stakeholder"), queryset=Stakeholder.objects.none())
    about = forms.ChoiceField(label=_("About"))
    events = forms.MultipleChoiceField(
        label=_("Messages"), widget=forms.CheckboxSelectMultiple,
        choices=[(k.value, k.label) for k in Kind if k in SUBSCRIBABLE_KINDS],
    )
    frequency = forms.ChoiceField(label=_("How often"), choices=Frequency.choices, widget=forms.RadioSelect)
    is_active = forms.BooleanField(label=_("Active"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(
        self, *args: Any, stakeholders: Any = None, targets: dict[tuple[str, int], str], editing: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["stakeholder"]
        else:
            self.fields["stakeholder"].queryset = stakeholders  # type: ignore[attr-defined]
            del self.fields["is_active"], self.fields["version"]
        groups: dict[str, list[tuple[str, str]]] = {}
        for (scope, scope_id), name in targets.items():
            groups.setdefault(str(Subscription.Scope(scope).label), []).append((target_value(scope, scope_id), name))
        self.fields["about"].choices = list(groups.items())  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, subscription: Subscription) -> dict[str, Any]:
        return {
            "about": target_value(subscription.scope, subscription.scope_id), "events": subscription.events,
            "frequency": subscription.frequency, "is_active": subscription.is_active,
            "version": subscription.version,
        }

    def values(self) -> dict[str, Any]:
        """The service's keyword values (scope and scope_id unpacked from `about`)."""
        data = self.cleaned_data
        scope, _sep, scope_id = data["about"].partition(":")
        values: dict[str, Any] = {
            "scope": scope, "scope_id": int(scope_id), "events": list(data["events"]), "frequency": data["frequency"],
        }
        if "is_active" in self.fields:
            values["is_active"] = data["is_active"]
        return values


class DaysListField(forms.CharField):
    """ "14, 7, 1" -> [14, 7, 1]; the reminder service checks the range."""

    default_error_messages = {"invalid": _("Write whole numbers of days separated by commas, e.g. 14, 7, 1.")}

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        text = super().to_python(value) or ""
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        if not all(p.isdigit() and p.isascii() for p in parts):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return [int(p) for p in parts]


class ReminderPolicyForm(forms.Form):
    # The same bounds as the API's input (notifications/api/serializers.py).
    due_soon_days = DaysListField(
        label=_("Remind the responsible person this many days before the due date"), required=False,
        help_text=_("Whole days separated by commas, e.g. 14, 7, 1. Leave empty for no early reminder."),
    )
    overdue_every_days = forms.IntegerField(
        label=_("While overdue, remind every (days)"), min_value=1, max_value=365,
    )
    escalate_after_days = forms.IntegerField(
        label=_("Tell the coordinators after this many days overdue"), min_value=1, max_value=365,
    )
    forum_reminder_days = forms.IntegerField(
        label=_("Remind of a forum this many days before"), min_value=0, max_value=60,
    )
    agreement_after_days = forms.IntegerField(
        label=_("Remind organizations that have not answered an agreement this many days after it opens"),
        min_value=0, max_value=60, required=False, help_text=_("0: no such reminder."),
    )
    agreement_before_days = forms.IntegerField(
        label=_("Remind them again this many days before the agreement's closing date"), min_value=0, max_value=60,
        required=False, help_text=_("0: no such reminder."),
    )
    # 0 = the page showed the defaults (no policy yet): if one appears meanwhile, that is a stale edit.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    FIELDS = ("due_soon_days", "overdue_every_days", "escalate_after_days", "forum_reminder_days",
              "agreement_after_days", "agreement_before_days")

    def values(self) -> dict[str, Any]:
        """What was sent (the agreement reminders left out of a post keep their values)."""
        return {name: self.cleaned_data[name] for name in self.FIELDS if self.cleaned_data[name] is not None}


# --- A person's own preferences (/me/preferences/) ------------------------------------------

HOW_OFTEN_CHOICES = [
    ("immediate", _("Immediately")),
    ("daily", _("In a daily digest")),
    ("weekly", _("In a weekly digest")),
    ("off", _("Off")),
]
# The kinds a person may choose, in the order people think of them (forums first).
KIND_ORDER = (
    Kind.FORUM_SCHEDULED, Kind.FORUM_RESCHEDULED, Kind.FORUM_CANCELLED, Kind.FORUM_REMINDER,
    Kind.AGREEMENT_ADOPTED, Kind.AGREEMENT_REJECTED, Kind.PHASE_STARTED, Kind.PHASE_COMPLETED,
    Kind.PLAN_STATUS_CHANGED, Kind.PROJECT_STATUS_CHANGED, Kind.MILESTONE_COMPLETED,
    Kind.MILESTONE_RESCHEDULED, Kind.MILESTONE_UPDATE_POSTED,
)


def kind_choices() -> list[tuple[str, Any]]:
    return [(k.value, k.label) for k in KIND_ORDER if k in SUBSCRIBABLE_KINDS]


class PreferencesForm(forms.Form):
    """Language, time zone, pause, and per scope (cluster, plan, project) how often and what.

    `scopes` is a list of (scope, scope_id, name, state) where state is what applies now
    ({events, frequency, is_active}); each scope gets a `<scope>-<id>-how` and a
    `<scope>-<id>-events` field, grouped by the template.
    """

    # Not required: a field left out of the POST leaves that choice as it is.
    language = forms.ChoiceField(label=_("Language of the emails and pages"), choices=Language.choices,
                                 required=False)
    time_zone = forms.ChoiceField(label=_("Your time zone"), help_text=_("Dates and times in emails are shown in it."),
                                  required=False)
    paused = forms.BooleanField(label=_("Pause all emails (until you untick this)"), required=False)

    def __init__(self, *args: Any, scopes: Sequence[tuple[str, int, str, dict[str, Any]]], time_zones: list[str],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(tz, tz) for tz in time_zones]  # type: ignore[attr-defined]
        self.scopes: list[dict[str, Any]] = []
        for scope, scope_id, name, state in scopes:
            prefix = f"{scope}-{scope_id}"
            how = state["frequency"] if state["is_active"] else "off"
            self.fields[f"{prefix}-how"] = forms.ChoiceField(
                label=_("How often"), choices=HOW_OFTEN_CHOICES, widget=forms.RadioSelect, initial=how,
                required=False,
            )
            self.fields[f"{prefix}-events"] = forms.MultipleChoiceField(
                label=_("Which messages"), choices=kind_choices(), widget=forms.CheckboxSelectMultiple,
                required=False, initial=state["events"],
            )
            self.scopes.append({"scope": scope, "scope_id": scope_id, "name": name, "prefix": prefix})

    def scope_fields(self) -> list[dict[str, Any]]:
        return [{**s, "how": self[f"{s['prefix']}-how"], "events": self[f"{s['prefix']}-events"]} for s in self.scopes]

    def choices(self) -> list[tuple[str, int, str, list[str]]]:
        """(scope, scope_id, how often, events) of each scope the POST chose for, from the valid form."""
        data = self.cleaned_data
        return [
            (s["scope"], s["scope_id"], data[f"{s['prefix']}-how"], list(data[f"{s['prefix']}-events"]))
            for s in self.scopes if data.get(f"{s['prefix']}-how")
        ]
