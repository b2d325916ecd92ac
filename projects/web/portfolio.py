"""`/portfolio/`: every cluster at a glance, for programme administrators and auditors of
every cluster (others are sent to their home)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from plans.access import access_for
from plans.permissions import CLUSTER
from projects import selectors


@login_required
@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    if access_for(request.user).cluster_ids(CLUSTER.read) is not None:
        return redirect("plans:home")  # the portfolio spans every cluster: not for this role
    return render(request, "projects/portfolio.html", {"rows": selectors.portfolio(request.user)})
