"""Project pages: detail, create, edit, status moves and beneficiaries.

Every write is the API's service (projects.services.projects) called through
`plans.web.base.run_service`: a refused change re-renders the page with the person's input
and the rule's message. POST-only actions (move, add/remove a beneficiary) redirect to the
project page on success and re-render it on refusal.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plans.models import Plan
from plans.selectors import plan_list
from plans.web.base import may, require_roles, run_service, scoped_or_404
from projects import selectors
from projects.models import FundingLine, Project
from projects.permissions import PROJECT
from projects.services.projects import (
    MIN_BENEFICIARIES,
    REASON_REQUIRED,
    beneficiary_add,
    beneficiary_count,
    beneficiary_remove,
    project_create,
    project_transition,
    project_update,
)

from .forms import BeneficiaryAddForm, BeneficiaryRemoveForm, ProjectForm, TransitionForm

DANGER_MOVES = frozenset({Project.Status.CANCELLED, Project.Status.SUSPENDED})


def load_project(request: HttpRequest, project_id: int, *, action: str | None = None) -> Project:
    """The project if its cluster is visible (else 404); for a write `action` (PROJECT's, in
    projects/permissions.py), 403 without its role."""
    project: Project = scoped_or_404(selectors.project_page_queryset(request.user), request.user, project_id)
    if action is not None:
        require_roles(request.user, project.plan.cluster_id, PROJECT.write_roles(action))
    return project


def _to_project(project_id: int, anchor: str = "") -> HttpResponse:
    response = redirect("projects:project", project_id=project_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def render_project(
    request: HttpRequest, project: Project, *, status: int = 200, transition_form: TransitionForm | None = None,
    beneficiary_form: BeneficiaryAddForm | None = None, remove_error: str = "",
) -> HttpResponse:
    """The project page; a refused action passes its bound form so its input and errors show."""
    row = selectors.project_row(request.user, project.pk) or {}
    for line in row.get("funding", []):
        line["source_label"] = FundingLine.Source(line["source"]).label
    can_write = may(request.user, project.plan.cluster_id, PROJECT.write_roles("partial_update"))
    moves = [
        {"value": to, "label": Project.Status(to).label, "danger": to in DANGER_MOVES,
         "needs_reason": to in REASON_REQUIRED}
        for to in Project.allowed_targets(project.status)
    ]
    context: dict[str, Any] = {
        "project": project, "plan": project.plan, "cluster": project.plan.cluster, "row": row,
        "milestones": list(selectors.project_milestone_rows(request.user, project.pk)),
        "today": selectors.today(), "can_write": can_write, "moves": moves, "remove_error": remove_error,
        "may_override": Project.Status.APPROVED in Project.allowed_targets(project.status)
        and beneficiary_count(project) < MIN_BENEFICIARIES,
    }
    if can_write:
        initial = {"version": project.version}
        context["transition_form"] = transition_form or TransitionForm(initial=initial)
        context["beneficiary_form"] = beneficiary_form or BeneficiaryAddForm(
            initial=initial, candidates=selectors.beneficiary_candidates(project)
        )
    return render(request, "projects/project_detail.html", context, status=status)


@login_required
@require_GET
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    return render_project(request, load_project(request, project_id))


def _form_page(
    request: HttpRequest, *, plan: Plan, form: ProjectForm, project: Project | None = None, status: int = 200,
    current: Project | None = None,
) -> HttpResponse:
    return render(request, "projects/project_form.html", {
        "plan": plan, "cluster": plan.cluster, "project": project, "form": form, "current": current,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_create_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan: Plan = scoped_or_404(plan_list(user=request.user), request.user, plan_id)
    require_roles(request.user, plan.cluster_id, PROJECT.write_roles("create"))
    form = ProjectForm(request.POST or None, choices=selectors.project_form_choices(plan), editing=False)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(request, form, project_create, plan_id=plan.pk, **form.service_values())
        if outcome.ok:
            messages.success(request, _("Project “%(code)s” created.") % {"code": outcome.value.code})
            return _to_project(outcome.value.pk)
        return _form_page(request, plan=plan, form=form, status=outcome.status)
    return _form_page(request, plan=plan, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project = load_project(request, project_id, action="partial_update")
    choices = selectors.project_form_choices(project.plan)
    if request.method != "POST":
        form = ProjectForm(initial=ProjectForm.initial_from(project), choices=choices, editing=True)
        return _form_page(request, plan=project.plan, form=form, project=project)
    form = ProjectForm(request.POST, choices=choices, editing=True)
    if not form.is_valid():
        return _form_page(request, plan=project.plan, form=form, project=project)
    values = form.changed_values(project)
    if not values:
        messages.info(request, _("Nothing changed."))
        return _to_project(project.pk)
    outcome = run_service(request, form, project_update, project_id=project.pk, values=values)
    if outcome.ok:
        messages.success(request, _("Project saved."))
        return _to_project(project.pk)
    current = None
    if outcome.stale:
        current = load_project(request, project_id)
        form.refresh_version(current.version)
    return _form_page(request, plan=project.plan, form=form, project=project, status=outcome.status, current=current)


@login_required
@require_POST
def project_move(request: HttpRequest, project_id: int) -> HttpResponse:
    """One of the status buttons of the project page (`to` names the target status)."""
    project = load_project(request, project_id, action="transition")
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        outcome = run_service(request, form, project_transition, project_id=project.pk, to=data["to"],
                              reason=data["reason"], collective_benefit_override=data["collective_benefit_override"])
        if outcome.ok:
            messages.success(request, _("The project is now %(status)s.") % {
                "status": Project.Status(data["to"]).label})
            return _to_project(project.pk)
        status = outcome.status
        if outcome.stale:
            project = load_project(request, project_id)
            form.refresh_version(project.version)
    else:
        status = 200
    return render_project(request, project, status=status, transition_form=form)


@login_required
@require_POST
def beneficiary_add_view(request: HttpRequest, project_id: int) -> HttpResponse:
    project = load_project(request, project_id, action="beneficiaries")
    form = BeneficiaryAddForm(request.POST, candidates=selectors.beneficiary_candidates(project))
    if form.is_valid():
        outcome = run_service(request, form, beneficiary_add, project_id=project.pk,
                              organization_id=form.cleaned_data["organization"])
        if outcome.ok:
            messages.success(request, _("%(name)s added as a beneficiary.") % {
                "name": outcome.value.organization.name})
            return _to_project(project.pk, "beneficiaries")
        status = outcome.status
        if outcome.stale:
            project = load_project(request, project_id)
            form.refresh_version(project.version)
    else:
        status = 200
    return render_project(request, project, status=status, beneficiary_form=form)


@login_required
@require_POST
def beneficiary_remove_view(request: HttpRequest, project_id: int, organization_id: int) -> HttpResponse:
    project = load_project(request, project_id, action="beneficiary")
    if not selectors.is_beneficiary(project.pk, organization_id):
        raise Http404
    form = BeneficiaryRemoveForm(request.POST)
    if form.is_valid():
        outcome = run_service(request, form, beneficiary_remove, project_id=project.pk,
                              organization_id=organization_id)
        if outcome.ok:
            messages.success(request, _("Beneficiary removed."))
            return _to_project(project.pk, "beneficiaries")
        if outcome.stale:
            project = load_project(request, project_id)
        return render_project(request, project, status=outcome.status, remove_error=outcome.message)
    return render_project(request, project, remove_error=_("The data is not valid."))
