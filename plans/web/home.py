"""`/home/`: where a person lands after logging in, by role.

- programme administrators and auditors of every cluster: the portfolio (projects:portfolio);
- a coordinator of one cluster: that cluster's current plan (projects:plan); of several
  clusters: this page, to choose;
- a person who is only a stakeholder, with a stakeholder record (and every session opened by a
  personal link): their own home (notifications:me);
- anyone else (auditors of some clusters, people with several roles): this page, saying which
  clusters and plans they can see, with links; someone with no role yet is told whom to ask.

Routes of the other apps are reached by URL name (plans imports neither of them).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from plans import selectors
from plans.access import access_for
from plans.links import link_stakeholder
from plans.models import Role
from plans.permissions import CLUSTER


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    if access.cluster_ids(CLUSTER.read) is None:  # admin or auditor of every cluster
        return redirect("projects:portfolio")
    if link_stakeholder(request) is not None or selectors.is_only_stakeholder(user=request.user):
        return redirect("notifications:me")
    entries = selectors.home_clusters(user=request.user)
    coordinated = [entry for entry in entries if Role.COORDINATOR in entry["roles"]]
    if len(entries) == 1 and len(coordinated) == 1 and coordinated[0]["current_plan"] is not None:
        return redirect("projects:plan", plan_id=coordinated[0]["current_plan"].pk)
    return render(request, "plans/home.html", {"entries": entries})
