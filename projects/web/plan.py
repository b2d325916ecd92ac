"""The plan page (`projects:plan`): a coordinator's day on one screen.

Built from `projects.selectors.plan_page` (the API dashboard's selector plus the lists the
page acts on) and dressed for the template by `plan_display.present`. Write controls show
only to whoever may write in the plan's cluster, and only while the plan is open (the
services refuse writes in a closed plan anyway).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.views.decorators.http import require_safe

from plans.access_cache import prime_access
from plans.models import Cluster, Plan
from plans.web.base import may
from projects import selectors
from projects.permissions import DASHBOARD, MILESTONE, PROJECT

from .plan_display import present


@login_required
@require_safe
def plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    prime_access(request)  # the roles, cached across reads as for the API (writes always reload them)
    row = selectors.plan_row_visible(request.user, plan_id, DASHBOARD.read)
    if row is None:
        raise Http404
    is_open = row["status"] in Plan.OPEN_STATUSES
    # The page's write controls are the milestone actions (MILESTONE in projects/permissions.py).
    can_write = is_open and may(request.user, row["cluster"], MILESTONE.write_roles("complete"))
    context = present(selectors.plan_page(row), here=request.get_full_path(), can_write=can_write,
                      csrf_token=get_token(request) if can_write else "")
    context["cluster"] = Cluster(pk=row["cluster"], name=row["cluster_name"])  # for the header; no query
    context["may_create_project"] = is_open and may(request.user, row["cluster"], PROJECT.write_roles("create"))
    return render(request, "projects/plan.html", context)
