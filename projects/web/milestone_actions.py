"""Milestone actions from the pages: start, complete, reschedule, post a progress note.

Each is a GET form page and a POST; on the plan page, htmx loads the same form into the
milestone's row (without JavaScript the row's link opens the form page). The POST calls
the same service as the API (projects/services/milestones.py) with the row version the page
showed as `expected_version`. A stale form comes back with the person's input kept, the
milestone's current values and the current version (so a deliberate second submit goes
through); a refused action comes back with the rule's message in plain language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from plans.web.base import require_roles, run_service, scoped_or_404
from projects import selectors
from projects.models import Milestone
from projects.permissions import MILESTONE
from projects.services import milestones as services
from projects.services.common import cluster_today

from .milestone_forms import CompleteForm, RescheduleForm, StartForm, UpdatePostForm

# The page action -> its MILESTONE action in projects/permissions.py (the API's names).
PERMISSION_ACTIONS = {"start": "start", "complete": "complete", "reschedule": "reschedule", "update": "updates"}


def _complete_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {"completed_on": data["completed_on"], "note": data["note"], "evidence_url": data["evidence_url"]}


def _reschedule_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {"due_date": data["due_date"], "reason": data["reason"]}


def _update_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {"note": data["note"], "posted_on": data["posted_on"], "evidence_url": data["evidence_url"],
            "proposes_completion": data["proposes_completion"]}


@dataclass(frozen=True)
class Action:
    name: str
    form_class: type[forms.Form]
    service: Callable[..., Any]
    kwargs: Callable[[dict[str, Any]], dict[str, Any]]
    title: Promise
    submit: Promise
    done: Promise  # success message; %(title)s is the milestone's title


ACTIONS = {
    "start": Action("start", StartForm, services.milestone_start, lambda data: {}, _("Start the milestone"),
                    _("Start"), _("Milestone “%(title)s” started.")),
    "complete": Action("complete", CompleteForm, services.milestone_complete, _complete_kwargs,
                       _("Complete the milestone"), _("Complete"), _("Milestone “%(title)s” completed.")),
    "reschedule": Action("reschedule", RescheduleForm, services.milestone_reschedule, _reschedule_kwargs,
                         _("Reschedule the milestone"), _("Reschedule"), _("Milestone “%(title)s” rescheduled.")),
    "update": Action("update", UpdatePostForm, services.milestone_update_post, _update_kwargs,
                     _("Post a progress note"), _("Post the note"), _("Progress note posted on “%(title)s”.")),
}


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """Go back where the person came from, only on this site."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _load(request: HttpRequest, milestone_id: int) -> Milestone:
    queryset = selectors.milestone_queryset(request.user).select_related("plan__cluster", "project", "responsible")
    milestone: Milestone = scoped_or_404(queryset, request.user, milestone_id)
    return milestone


def _initial(action: Action, milestone: Milestone, back: str) -> dict[str, Any]:
    initial: dict[str, Any] = {"next": back}
    if action.name != "update":
        initial["version"] = milestone.version
    if action.name == "complete":
        initial["completed_on"] = cluster_today(milestone.plan.cluster_id)
        proposal = services.pending_completion_proposal(milestone)
        if proposal is not None:  # confirming what the responsible person proposed
            initial.update(note=proposal.note, evidence_url=proposal.evidence_url or milestone.evidence_url,
                           completed_on=proposal.posted_on)
    if action.name == "reschedule":
        initial["due_date"] = milestone.due_date
    return initial


def _with_version(data: QueryDict, version: int) -> QueryDict:
    kept = data.copy()
    kept["version"] = str(version)
    return kept


def _run(request: HttpRequest, milestone_id: int, action: Action) -> HttpResponse:
    milestone = _load(request, milestone_id)
    require_roles(request.user, milestone.plan.cluster_id, MILESTONE.write_roles(PERMISSION_ACTIONS[action.name]))
    if action.name == "update" and request.method != "POST" and not services.may_report_progress(
        request.user, milestone
    ):
        raise PermissionDenied  # the form is for whoever may post; a POST gets the service's refusal
    plan_url = reverse("projects:plan", kwargs={"plan_id": milestone.plan_id})
    back = safe_next(request, request.POST.get("next") or request.GET.get("next"), plan_url)
    ids = f"m{milestone.pk}-{action.name}-%s"  # unique on a plan page with several forms open
    status = 200
    if request.method == "POST":
        form = action.form_class(request.POST, auto_id=ids)
        if form.is_valid():
            outcome = run_service(request, form, action.service, milestone_id=milestone.pk,
                                  **action.kwargs(form.cleaned_data))
            if outcome.ok:
                messages.success(request, action.done % {"title": milestone.title})
                return redirect(back)
            status = outcome.status
            if outcome.stale:  # show what is there now, keep the input, accept the next submit
                milestone = _load(request, milestone_id)
                form = action.form_class(_with_version(request.POST, milestone.version), auto_id=ids)
                form.is_valid()
                form.add_error(None, outcome.message)
    else:
        form = action.form_class(initial=_initial(action, milestone, back), auto_id=ids)
    context = {
        "action": action,
        "action_url": request.path,
        "form": form,
        "milestone": milestone,
        "cluster": milestone.plan.cluster,
        "back": back,
        "plan_url": plan_url,
    }
    if request.method != "POST" and getattr(request, "htmx", False):
        # The plan page asked for the form alone, to open it in the milestone's row.
        visible = form.visible_fields()
        if visible:
            visible[0].field.widget.attrs["autofocus"] = True
        return render(request, "projects/_milestone_action_form.html", {**context, "inline": True})
    return render(request, "projects/milestone_action.html", context, status=status)


def _view(name: str) -> Callable[[HttpRequest, int], HttpResponse]:
    action = ACTIONS[name]

    @login_required
    @require_http_methods(["GET", "HEAD", "POST"])
    def view(request: HttpRequest, milestone_id: int) -> HttpResponse:
        return _run(request, milestone_id, action)

    view.__name__ = view.__qualname__ = f"milestone_{name}"
    return view


milestone_start = _view("start")
milestone_complete = _view("complete")
milestone_reschedule = _view("reschedule")
milestone_update = _view("update")
