"""Forms of the milestone actions. They only parse input: every rule (dates in range, a reason
present, the move allowed) is the service's, so the API and the pages refuse the same things."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from plans.validators import ControlCharacterMixin


def date_input() -> forms.DateInput:
    """The browser's date picker; its value is ISO whatever the page's language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActionForm(ControlCharacterMixin, forms.Form):
    """Every action form carries the row version the page showed (-> `expected_version`) and
    where to go back to."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)


class StartForm(ActionForm):
    pass


class CompleteForm(ActionForm):
    completed_on = forms.DateField(label=_("Completed on"), widget=date_input())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_url = forms.URLField(
        label=_("Evidence (link)"), required=False, max_length=500, assume_scheme="https",
        help_text=_("A link to the minutes, photos or documents that show the work is done."),
    )


class RescheduleForm(ActionForm):
    due_date = forms.DateField(label=_("New due date"), widget=date_input())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class UpdatePostForm(ControlCharacterMixin, forms.Form):
    """A progress note adds a row and changes none, so it needs no version."""

    note = forms.CharField(label=_("Progress note"), widget=forms.Textarea(attrs={"rows": 4}))
    posted_on = forms.DateField(label=_("Date"), required=False, widget=date_input(),
                                help_text=_("Leave empty for today."))
    evidence_url = forms.URLField(label=_("Evidence link (optional)"), required=False, max_length=500,
                                  assume_scheme="https")
    proposes_completion = forms.BooleanField(
        label=_("The milestone is done: propose it as completed (a coordinator confirms)"), required=False,
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
