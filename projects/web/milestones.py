"""Milestone pages: a plan's filtered list, its month calendar, and one milestone's page.

Read-only pages (GET). The actions on a milestone (start, complete, reschedule, post an
update) are H5's views (projects/web/milestone_actions.py); these pages link to them for
people who may write. Filters are `selectors.milestone_filter`, the rules the API uses.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from plans.audit.timeline import change_list
from plans.selectors import plan_list
from plans.web.base import may, scoped_or_404
from projects import selectors
from projects.permissions import MILESTONE
from projects.services.milestones import may_report_progress, pending_completion_proposal

from .forms import MilestoneFilterForm, parse_month

PAGE_SIZE = 25
# What a history event's action means, in words (unknown actions show as recorded).
ACTION_LABELS = {
    "create": _("created"), "update": _("edited"), "transition": _("status changed"),
    "complete": _("completed"), "reschedule": _("rescheduled"), "delete": _("deleted"),
}
# Monday first, as calendars are printed in Argentina.
FIRST_WEEKDAY = calendar.MONDAY


def _plan(request: HttpRequest, plan_id: int) -> Any:
    return scoped_or_404(plan_list(user=request.user), request.user, plan_id)


def _filters(request: HttpRequest, plan_id: int) -> MilestoneFilterForm:
    return MilestoneFilterForm(request.GET, choices=selectors.milestone_filter_choices(plan_id))


@login_required
@require_GET
def milestone_list(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    today = selectors.today()
    form = _filters(request, plan.pk)
    rows = selectors.milestone_filter(
        selectors.plan_milestone_rows(request.user, plan.pk, on=today), on=today, **form.selector_kwargs()
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/milestone_list.html", {
        "plan": plan, "cluster": plan.cluster, "form": form, "page_obj": page, "today": today,
        "can_write": may(request.user, plan.cluster_id, MILESTONE.write_roles("complete")),
    })


def month_weeks(first: dt.date) -> list[list[dt.date]]:
    """Whole weeks covering the month (days of the neighbouring months fill the edges)."""
    return calendar.Calendar(FIRST_WEEKDAY).monthdatescalendar(first.year, first.month)


def month_grid(first: dt.date, rows: list[dict[str, Any]], today: dt.date) -> list[list[dict[str, Any]]]:
    """The month's weeks of days, each day with the milestones due on it."""
    by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_day[row["due_date"]].append(row)
    return [
        [
            {"date": day, "in_month": day.month == first.month, "is_today": day == today,
             "milestones": by_day.get(day, [])}
            for day in week
        ]
        for week in month_weeks(first)
    ]


@login_required
@require_GET
def milestone_calendar(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    today = selectors.today()
    first = parse_month(request.GET.get("month"), today)
    weeks = month_weeks(first)
    form = _filters(request, plan.pk)
    rows = list(selectors.milestone_filter(
        selectors.plan_milestone_rows(request.user, plan.pk, on=today), on=today,
        due_after=weeks[0][0], due_before=weeks[-1][-1], **form.selector_kwargs(),
    ))
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    weekdays = [(WEEKDAYS[(FIRST_WEEKDAY + i) % 7], WEEKDAYS_ABBR[(FIRST_WEEKDAY + i) % 7]) for i in range(7)]
    return render(request, "projects/milestone_calendar.html", {
        "plan": plan, "cluster": plan.cluster, "form": form, "month": first, "today": today,
        "weeks": month_grid(first, rows, today), "weekdays": weekdays, "count": len(rows),
        "previous_month": f"{previous:%Y-%m}", "next_month": f"{following:%Y-%m}",
        "this_month": f"{today:%Y-%m}",
        "filtered": form.is_filtering(),
        "month_count": sum(1 for row in rows if row["due_date"].month == first.month),
    })


@login_required
@require_GET
def milestone_detail(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = scoped_or_404(selectors.milestone_page_queryset(request.user), request.user, milestone_id)
    events = selectors.object_history("projects.milestone", milestone.pk)
    history = [
        {"event": event, "action": ACTION_LABELS.get(event.action, event.action),
         "changes": change_list(event.object_type, event.changes)}
        for event in events
    ]
    today = selectors.today()
    return render(request, "projects/milestone_detail.html", {
        "milestone": milestone, "plan": milestone.plan, "cluster": milestone.plan.cluster,
        "project": milestone.project, "updates": list(selectors.milestone_update_rows(milestone.pk)),
        "history": history, "today": today, "is_overdue": milestone.is_overdue_on(today),
        "rescheduled": milestone.due_date != milestone.baseline_due_date,
        "can_write": may(request.user, milestone.plan.cluster_id, MILESTONE.write_roles("complete")),
        # The responsible stakeholder may post a progress note too (MILESTONE "updates").
        "may_update": may(request.user, milestone.plan.cluster_id, MILESTONE.write_roles("updates"))
        and may_report_progress(request.user, milestone),
        "proposal": pending_completion_proposal(milestone),
    })
