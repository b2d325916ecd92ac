"""`/me/`: a stakeholder's home, whether they came through a personal link or logged in.

Their cluster's plan in brief, their organization's open agreements, the milestones they
answer for and the plan's recent changes, each with the page to act on. Reads only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from notifications import selectors
from plans.links import link_stakeholder
from plans.models import Position, Stakeholder
from projects.web.plan_display import readable_event


def me(request: HttpRequest) -> list[Stakeholder]:
    """The stakeholder records the request acts as (see selectors.own_stakeholders)."""
    return selectors.own_stakeholders(user=request.user, link_stakeholder=link_stakeholder(request))


def chosen(request: HttpRequest, records: list[Stakeholder]) -> Stakeholder | None:
    """The record of the cluster named by `?cluster=` (or the form's), else the first one."""
    wanted = request.POST.get("cluster") or request.GET.get("cluster") or ""
    for record in records:
        if wanted.isascii() and wanted.isdigit() and record.cluster_id == int(wanted):
            return record
    return records[0] if records else None


def position_label(value: str | None) -> str:
    return str(Position.Value(value).label) if value in Position.Value.values else ""


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    records = me(request)
    stakeholder = chosen(request, records)
    context: dict[str, Any] = {"stakeholder": stakeholder, "records": records}
    if stakeholder is not None:
        page = selectors.stakeholder_home(stakeholder)
        page["history"] = [readable_event(event) for event in page["history"]]
        for agreement in page["agreements"]:
            agreement.own_position_label = position_label(agreement.own_position)
        page["current_plan"] = page.pop("plan")  # not `plan`: base.html would add the plan's nav
        context.update(page, cluster=stakeholder.cluster)
    return render(request, "notifications/web/me.html", context)
