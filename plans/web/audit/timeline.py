"""The plan's timeline page: its history newest first, filtered by a GET form, a page at a time.

Pages are cursors over the sequence, as in the API: `?before=<id>` shows the events older
than that one, `?after=<id>` the newer ones, so page 100 costs what page 1 does. A verify
result links straight to an event with `?before=<its id + 1>`. Reading never seals:
captured changes still waiting are counted on the page, and the verify button seals them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from plans.audit import timeline
from plans.audit.seal import pending_count
from plans.errors import ValidationFailed
from plans.models import Source, VersionedModel
from plans.web.forums import zone_of

from .access import workbench_plan
from .display import ACTION_LABELS, event_rows

PAGE_SIZE = 50
FILTER_NAMES = ("object_type", "actor", "action", "source", "since", "until", "q")
MAX_CURSOR = 2**63 - 1


@lru_cache(maxsize=1)
def object_type_choices() -> list[tuple[str, str]]:
    """Every versioned model (the history's object types), by its name; no query."""
    types = {
        model._meta.label_lower: str(model._meta.verbose_name).capitalize()
        for model in apps.get_models() if issubclass(model, VersionedModel)
    }
    return sorted(types.items(), key=lambda item: item[1])


class TimelineFilterForm(forms.Form):
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    actor = forms.CharField(label=_("Who (username)"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False)
    source = forms.ChoiceField(label=_("Made through"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("Text"), required=False, max_length=200,
                        help_text=_("In the object's name, the reason or the person's name."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        self.fields["object_type"].choices = [*anything, *object_type_choices()]  # type: ignore[attr-defined]
        self.fields["action"].choices = [*anything, *ACTION_LABELS.items()]  # type: ignore[attr-defined]
        self.fields["source"].choices = [*anything, *Source.choices]  # type: ignore[attr-defined]
        for name in ("since", "until"):  # ISO dates whatever the language: what a date input sends
            self.fields[name].input_formats = ["%Y-%m-%d"]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("since", _("Must not be after “until”."))
        return data

    def params(self, zone: zoneinfo.ZoneInfo) -> dict[str, str]:
        """timeline.filter_events's parameters; the dates are days in the cluster's zone."""
        data = self.cleaned_data
        params = {name: str(data.get(name) or "") for name in ("object_type", "actor", "action", "source", "q")}
        if data.get("since"):
            params["since"] = dt.datetime.combine(data["since"], dt.time.min, tzinfo=zone).isoformat()
        if data.get("until"):
            params["until"] = dt.datetime.combine(data["until"], dt.time.max, tzinfo=zone).isoformat()
        return params


def _cursor(value: str | None) -> int | None:
    if value and value.isascii() and value.isdigit() and int(value) <= MAX_CURSOR:
        return int(value)
    return None


def page_of(qs: Any, *, before: int | None, after: int | None, size: int | None = None) -> dict[str, Any]:
    """One page, newest first, from a cursor: `size + 1` rows read to know whether more follow."""
    size = size or PAGE_SIZE
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: size + 1])
        newer, older = len(rows) > size, True
        events = rows[:size][::-1]
    else:
        if before is not None:
            qs = qs.filter(id__lt=before)
        rows = list(qs.order_by("-id")[: size + 1])
        newer, older = before is not None, len(rows) > size
        events = rows[:size]
    return {
        "events": events,
        "newer": events[0].pk if newer and events else None,
        "older": events[-1].pk if older and events else None,
    }


def _filter_query(request: HttpRequest) -> str:
    kept = QueryDict(mutable=True)
    for name in FILTER_NAMES:
        if request.GET.get(name):
            kept[name] = request.GET[name][:200]
    return kept.urlencode()


@login_required
@require_safe
def history(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = workbench_plan(request, plan_id)
    zone = zone_of(plan)
    form = TimelineFilterForm(request.GET or None)
    page: dict[str, Any] = {"events": [], "newer": None, "older": None}
    if not form.is_bound or form.is_valid():
        params = form.params(zone) if form.is_bound else {}
        try:
            qs = timeline.filter_events(timeline.plan_events(plan.pk), params)
        except ValidationFailed as exc:  # what the form lets through is valid; kept for safety
            form.add_error(None, str(exc))
        else:
            page = page_of(qs, before=_cursor(request.GET.get("before")), after=_cursor(request.GET.get("after")))
    return render(request, "plans/history.html", {
        "plan": plan, "cluster": plan.cluster, "zone": zone, "form": form, "nav_current": "history",
        "rows": event_rows(page["events"], zone=zone), "newer": page["newer"], "older": page["older"],
        "filter_query": _filter_query(request), "pending": pending_count(),
        "filtered": form.is_bound and any(request.GET.get(name) for name in FILTER_NAMES),
    })

