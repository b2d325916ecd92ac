"""Funding pages of a project: add or edit a funding line, record an expenditure.

The services (projects.services.funding) keep `executed` and the over-budget rule; these
views only parse the form, call them as the API does and show what they refuse.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from plans.web.base import run_service, scoped_or_404
from projects import selectors
from projects.models import FundingLine, Project
from projects.services.funding import expenditure_record, funding_line_create, funding_line_update

from .forms import ExpenditureForm, FundingLineForm
from .projects import _to_project, load_project

EXPENDITURES_SHOWN = 50


def load_line(request: HttpRequest, project: Project, line_id: int) -> FundingLine:
    line: FundingLine = scoped_or_404(
        selectors.funding_line_queryset(request.user).filter(project_id=project.pk), request.user, line_id
    )
    return line


def _page(request: HttpRequest, template: str, project: Project, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"project": project, "plan": project.plan, "cluster": project.plan.cluster, **extra}
    return render(request, f"projects/{template}", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def funding_line_create_view(request: HttpRequest, project_id: int) -> HttpResponse:
    project = load_project(request, project_id, action="funding_lines")
    form = FundingLineForm(request.POST or None, initial={"version": project.version}, editing=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # expected_version: the project's (as If-Match on the API's nested route).
        outcome = run_service(
            request, form, funding_line_create, project_id=project.pk, source=data["source"],
            currency=data["currency"], budget=data["budget"], description=data["description"],
        )
        if outcome.ok:
            messages.success(request, _("Funding line added."))
            return _to_project(project.pk, "funding")
        if outcome.stale:
            project = load_project(request, project_id)
            form.refresh_version(project.version)
        return _page(request, "funding_line_form.html", project, outcome.status, form=form)
    return _page(request, "funding_line_form.html", project, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def funding_line_edit(request: HttpRequest, project_id: int, line_id: int) -> HttpResponse:
    project = load_project(request, project_id, action="funding_line")
    line = load_line(request, project, line_id)
    if request.method != "POST":
        form = FundingLineForm(initial=FundingLineForm.initial_from(line), editing=True)
        return _page(request, "funding_line_form.html", project, form=form, line=line)
    form = FundingLineForm(request.POST, editing=True)
    if not form.is_valid():
        return _page(request, "funding_line_form.html", project, form=form, line=line)
    values = form.changed_values(line)
    if not values:
        messages.info(request, _("Nothing changed."))
        return _to_project(project.pk, "funding")
    outcome = run_service(request, form, funding_line_update, funding_line_id=line.pk, values=values,
                          reason=form.cleaned_data["reason"])
    if outcome.ok:
        messages.success(request, _("Funding line saved."))
        return _to_project(project.pk, "funding")
    current = None
    if outcome.stale:
        current = load_line(request, project, line_id)
        form.refresh_version(current.version)
    return _page(request, "funding_line_form.html", project, outcome.status, form=form, line=line, current=current)


@login_required
@require_http_methods(["GET", "POST"])
def expenditure_create(request: HttpRequest, project_id: int, line_id: int) -> HttpResponse:
    project = load_project(request, project_id, action="expenditures")
    line = load_line(request, project, line_id)
    form = ExpenditureForm(request.POST or None, initial={"spent_on": selectors.today()})
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = run_service(request, form, expenditure_record, funding_line_id=line.pk, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("Expenditure recorded."))
            return _to_project(project.pk, "funding")
        status = outcome.status
        line = load_line(request, project, line_id)  # executed may have moved meanwhile
    expenditures = list(selectors.expenditure_list(line.pk).reverse()[:EXPENDITURES_SHOWN])
    return _page(request, "expenditure_form.html", project, status, form=form, line=line,
                 expenditures=expenditures)
