"""The plan's consensus phases with their start / complete / skip actions.

URL names `plans:phase-start`, `plans:phase-complete`, `plans:phase-skip` (with `phase_id`) are
the ones the plan page links to. Each action is a POST; GET shows its form on a page of its own
(for the version, the adopted agreement to choose, or the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from plans import forum_selectors, selectors
from plans.models import Phase
from plans.permissions import PHASE
from plans.services import phases as services
from plans.web.base import may, require_roles, run_service, scoped_or_404
from plans.web.forms import PhaseCompleteForm, PhaseSkipForm, PhaseStartForm
from plans.web.forums import load_plan
from plans.web.refusals import take_current_version


def load_phase(request: HttpRequest, phase_id: int) -> Phase:
    queryset = selectors.phase_list(user=request.user).select_related("plan__cluster")
    return scoped_or_404(queryset, request.user, phase_id)


@login_required
@require_GET
def phase_list(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = load_plan(request, plan_id)
    return render(request, "plans/phase_list.html", {
        "plan": plan, "cluster": plan.cluster,
        "phases": forum_selectors.phases_of_plan(user=request.user, plan_id=plan.pk),
        "can_write": may(request.user, plan.cluster_id, PHASE.write_roles("start")),
    })


def _phase_action(
    request: HttpRequest, phase_id: int, action: str, template: str, make_form: Callable[[Phase, Any], Any],
    service: Callable[..., Any], arguments: Callable[[Any], dict[str, Any]],
) -> HttpResponse:
    phase = load_phase(request, phase_id)
    require_roles(request.user, phase.plan.cluster_id, PHASE.write_roles(action))
    form = make_form(phase, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = run_service(request, form, service, phase_id=phase.pk, **arguments(form))
        if outcome.ok:
            return redirect("plans:phase-list", plan_id=phase.plan_id)
        status = outcome.status
        phase = load_phase(request, phase_id)
        if outcome.stale:
            take_current_version(form, phase)
    return render(request, template, {
        "phase": phase, "plan": phase.plan, "cluster": phase.plan.cluster, "form": form,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def phase_start(request: HttpRequest, phase_id: int) -> HttpResponse:
    return _phase_action(
        request, phase_id, "start", "plans/phase_start.html",
        lambda phase, data: PhaseStartForm(data, initial={"version": phase.version}),
        services.phase_start, lambda form: {},
    )


@login_required
@require_http_methods(["GET", "POST"])
def phase_complete(request: HttpRequest, phase_id: int) -> HttpResponse:
    def make(phase: Phase, data: Any) -> PhaseCompleteForm:
        return PhaseCompleteForm(data, initial={"version": phase.version},
                                 agreements=forum_selectors.adopted_agreements_for_phase(phase=phase))

    return _phase_action(
        request, phase_id, "complete", "plans/phase_complete.html", make, services.phase_complete,
        lambda form: {"agreement_id": form.cleaned_data["agreement"].pk},
    )


@login_required
@require_http_methods(["GET", "POST"])
def phase_skip(request: HttpRequest, phase_id: int) -> HttpResponse:
    return _phase_action(
        request, phase_id, "skip", "plans/phase_skip.html",
        lambda phase, data: PhaseSkipForm(data, initial={"version": phase.version}),
        services.phase_skip, lambda form: {"reason": form.cleaned_data["reason"]},
    )
