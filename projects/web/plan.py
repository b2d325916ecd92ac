"""PLACEHOLDER for the plan page (`projects:plan`): helper H5 replaces this file with the real
page built from the dashboard selector. It exists so the front door can link to the plan."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from plans.models import Cluster
from projects.selectors import plan_dashboard, plan_row_visible


@login_required
@require_GET
def plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    row = plan_row_visible(request.user, plan_id)
    if row is None:
        raise Http404
    dashboard = plan_dashboard(row)
    cluster = Cluster(pk=row["cluster"], name=row["cluster_name"])
    return render(request, "projects/plan_placeholder.html", {"dashboard": dashboard, "plan": row, "cluster": cluster})
