"""Forms of the forum, agreement and phase pages: they parse input; the services decide.

Every edit or action form carries the row `version` the page showed, passed to the service
as `expected_version` so a change made meanwhile by someone else is caught (StaleVersion).
Times are typed in the forum's zone: the views activate the cluster's time zone around the
form, so Django reads and shows `datetime-local` values in that zone.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from plans.models import Agreement, Forum, Organization, Phase, Position
from plans.web.base import VersionedForm

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _datetime_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )


def _text(label: Any, *, required: bool = False, rows: int = 4, max_length: int | None = None) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}),
    )


class VersionForm(VersionedForm):
    """The row version the page showed (hidden), required here: a form that lost it is refused
    rather than applied without the check."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ForumPlaceMixin(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    starts_at = _datetime_field(_("Starts"))
    ends_at = _datetime_field(_("Ends"), required=False)
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    organizer = forms.CharField(label=_("Organizer"), max_length=200, required=False)


class ForumScheduleForm(ForumPlaceMixin):
    phase = forms.ModelChoiceField(label=_("Phase"), queryset=Phase.objects.none(), empty_label=None)
    agenda = _text(_("Agenda"), rows=6)

    field_order = ["phase", "title", "starts_at", "ends_at", "venue", "address", "organizer", "agenda"]

    def __init__(self, *args: Any, phases: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = phases  # type: ignore[attr-defined]


class ForumEditForm(VersionForm, ForumPlaceMixin):
    """Time and place: a new time is a reschedule; invitees' calendars follow."""

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ForumPlaceMixin.base_fields}

    @staticmethod
    def initial_for(forum: Forum) -> dict[str, Any]:
        return {name: getattr(forum, name) for name in ForumPlaceMixin.base_fields} | {"version": forum.version}


class AgendaForm(VersionForm):
    agenda = _text(_("Agenda"), rows=10)


class CancelForm(VersionForm):
    reason = _text(_("Reason for cancelling"), required=True, rows=3)


class HoldForm(VersionForm):
    minutes = _text(_("Minutes (what was discussed and decided)"), required=True, rows=12)


class CheckInForm(forms.Form):
    """One organization or one person to check in (the service refuses both or neither)."""

    organization = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    stakeholder = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    q = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search organizations and people"), required=False, max_length=100)


class AgreementCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    text = _text(_("Text of the agreement"), rows=6)
    subject = forms.ChoiceField(label=_("Subject"), choices=Agreement.Subject.choices, initial=Agreement.Subject.OTHER)
    rule = forms.ChoiceField(
        label=_("Decision rule"), choices=Agreement.Rule.choices, initial=Agreement.Rule.CONSENT,
        widget=forms.RadioSelect,
    )
    quorum_percent = forms.IntegerField(label=_("Quorum (% of full members)"), initial=50)
    forum = forms.ModelChoiceField(
        label=_("Forum"), queryset=Forum.objects.none(), required=False, empty_label=_("No forum (online)")
    )
    phase = forms.ModelChoiceField(
        label=_("Phase"), queryset=Phase.objects.none(), required=False, empty_label=_("The forum's phase, or none")
    )
    closes_on = forms.DateField(
        label=_("Positions asked by (closing date)"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for %(days)s days from today."),
    )

    def __init__(self, *args: Any, forums: Any, phases: Any, open_days: int = 14, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["forum"].queryset = forums  # type: ignore[attr-defined]
        self.fields["phase"].queryset = phases  # type: ignore[attr-defined]
        self.fields["closes_on"].help_text = str(self.fields["closes_on"].help_text) % {"days": open_days}


class PositionForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    position = forms.ChoiceField(label=_("Position"), choices=Position.Value.choices, widget=forms.RadioSelect)
    comment = _text(_("Comment"), rows=2)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class OwnPositionForm(forms.Form):
    """The confirmation page's form: one organization's position (the service checks that the
    person may record it). A person of one organization gets it as a hidden field, the page
    names the organization."""

    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    position = forms.ChoiceField(
        label=_("Position"), widget=forms.RadioSelect,
        choices=[(value, capfirst(text)) for value, text in Position.Value.choices],
    )
    comment = _text(_("Comment (optional)"), rows=3, max_length=10_000)

    def __init__(self, *args: Any, organizations: Any, single: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        if single:
            self.fields["organization"].widget = forms.HiddenInput()


class CloseForm(VersionForm):
    """Close under the agreement's rule. A forum-consensus agreement also offers the override
    of the forum's attendance quorum: a separate, explicit reason the history records."""

    attendance_override_reason = _text(
        _("Reason to decide although the forum is below its attendance quorum (optional)"), rows=2,
        max_length=1000,
    )

    def __init__(self, *args: Any, forum_consensus: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not forum_consensus:
            del self.fields["attendance_override_reason"]

    def service_kwargs(self) -> dict[str, Any]:
        return {"attendance_override_reason": self.cleaned_data.get("attendance_override_reason", "")}


class PhaseStartForm(VersionForm):
    pass


class PhaseCompleteForm(VersionForm):
    agreement = forms.ModelChoiceField(
        label=_("Adopted agreement that closes the phase"), queryset=Agreement.objects.none()
    )

    def __init__(self, *args: Any, agreements: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = agreements  # type: ignore[attr-defined]


class PhaseSkipForm(VersionForm):
    reason = _text(_("Reason for skipping"), required=True, rows=3)
