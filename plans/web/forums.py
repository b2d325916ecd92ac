"""Forum pages of a plan: list, detail, schedule, time and place, agenda, cancel, minutes and hold.

Thin views: load the row in the user's scope (404 outside it), check the writing role (403),
parse a form, call the same service as the API, render. Times are shown and typed in the
forum's zone (the cluster's), labelled on the page. The check-in list is in `checkin.py`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from plans import forum_selectors, selectors
from plans.models import Forum, Plan
from plans.permissions import AGREEMENT, FORUM
from plans.services import forums as services
from plans.web.base import may, require_roles, run_service, scoped_or_404
from plans.web.forms import AgendaForm, CancelForm, ForumEditForm, ForumScheduleForm, HoldForm
from plans.web.refusals import reload, take_current_version


def load_plan(request: HttpRequest, plan_id: int) -> Plan:
    return scoped_or_404(selectors.plan_list(user=request.user), request.user, plan_id)


def load_forum(request: HttpRequest, forum_id: int) -> Forum:
    return scoped_or_404(selectors.forum_list(user=request.user), request.user, forum_id)


def zone_of(plan: Plan) -> zoneinfo.ZoneInfo:
    """The forum's zone: its cluster's (falls back to the site's if the name is unknown)."""
    try:
        return zoneinfo.ZoneInfo(plan.cluster.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(str(timezone.get_default_timezone()))


def forum_context(request: HttpRequest, forum: Forum, **extra: Any) -> dict[str, Any]:
    plan = forum.plan
    return {
        "forum": forum, "plan": plan, "cluster": plan.cluster, "zone": zone_of(plan),
        "can_write": may(request.user, plan.cluster_id, FORUM.write_roles("partial_update")), **extra,
    }


@login_required
@require_GET
def forum_list(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = load_plan(request, plan_id)
    return render(request, "plans/forum_list.html", {
        "plan": plan, "cluster": plan.cluster, "zone": zone_of(plan),
        "forums": forum_selectors.forums_of_plan(user=request.user, plan_id=plan.pk),
        "can_write": may(request.user, plan.cluster_id, FORUM.write_roles("create")),
    })


@login_required
@require_GET
def forum_detail(request: HttpRequest, forum_id: int) -> HttpResponse:
    forum = load_forum(request, forum_id)
    attendance = list(selectors.attendance_list(forum=forum).order_by("organization__name", "stakeholder__name"))
    return render(request, "plans/forum_detail.html", forum_context(
        request, forum,
        organizations=[row.organization for row in attendance if row.organization_id],
        people=[row.stakeholder for row in attendance if row.stakeholder_id],
        agreements=forum_selectors.agreements_of_plan(user=request.user, plan_id=forum.plan_id, forum_id=forum.pk),
        may_open_agreement=may(request.user, forum.plan.cluster_id, AGREEMENT.write_roles("create")),
    ))


@login_required
@require_http_methods(["GET", "POST"])
def forum_schedule(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = load_plan(request, plan_id)
    require_roles(request.user, plan.cluster_id, FORUM.write_roles("create"))
    status = 200
    with timezone.override(zone_of(plan)):
        form = ForumScheduleForm(request.POST or None, phases=forum_selectors.open_phases_of_plan(plan_id=plan.pk))
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            phase = data.pop("phase")
            outcome = run_service(request, form, services.forum_schedule, phase_id=phase.pk, **data)
            if outcome.ok:
                return redirect("plans:forum-detail", forum_id=outcome.value.pk)
            status = outcome.status
        return render(request, "plans/forum_schedule.html", {
            "plan": plan, "cluster": plan.cluster, "zone": zone_of(plan), "form": form,
        }, status=status)


def _forum_action(
    request: HttpRequest, forum_id: int, *, action: str, form_class: type[Any], template: str, heading: Any,
    initial: Callable[[Forum], dict[str, Any]], service: Callable[..., Any],
    arguments: Callable[[Any], dict[str, Any]],
) -> HttpResponse:
    """GET shows the form for the forum; POST calls the service, or re-renders with the refusal."""
    forum = load_forum(request, forum_id)
    require_roles(request.user, forum.plan.cluster_id, FORUM.write_roles(action))
    status = 200
    current = None
    with timezone.override(zone_of(forum.plan)):
        form = form_class(request.POST) if request.method == "POST" else form_class(initial=initial(forum))
        if request.method == "POST" and form.is_valid():
            outcome = run_service(request, form, service, forum_id=forum.pk, **arguments(form))
            if outcome.ok:
                return redirect("plans:forum-detail", forum_id=forum.pk)
            status = outcome.status
            current = reload(Forum, forum.pk)
            if outcome.stale:
                take_current_version(form, current)
        context = forum_context(request, forum, form=form, current=current, heading=heading)
        return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def forum_edit(request: HttpRequest, forum_id: int) -> HttpResponse:
    """Time and place (a new time is a reschedule)."""
    return _forum_action(
        request, forum_id, action="partial_update", form_class=ForumEditForm, template="plans/forum_edit.html",
        heading=_("Change time or place"), initial=ForumEditForm.initial_for, service=services.forum_update,
        arguments=lambda form: {"values": form.values()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def forum_agenda(request: HttpRequest, forum_id: int) -> HttpResponse:
    return _forum_action(
        request, forum_id, action="partial_update", form_class=AgendaForm, template="plans/forum_agenda.html",
        heading=_("Edit agenda"),
        initial=lambda f: {"agenda": f.agenda, "version": f.version}, service=services.forum_update,
        arguments=lambda form: {"values": {"agenda": form.cleaned_data["agenda"]}},
    )


@login_required
@require_http_methods(["GET", "POST"])
def forum_cancel(request: HttpRequest, forum_id: int) -> HttpResponse:
    return _forum_action(
        request, forum_id, action="cancel", form_class=CancelForm, template="plans/forum_cancel.html",
        heading=_("Cancel forum"),
        initial=lambda f: {"version": f.version}, service=services.forum_cancel,
        arguments=lambda form: {"reason": form.cleaned_data["reason"]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def forum_hold(request: HttpRequest, forum_id: int) -> HttpResponse:
    """Record the minutes and that the forum took place (one step: the service needs both)."""
    return _forum_action(
        request, forum_id, action="hold", form_class=HoldForm, template="plans/forum_hold.html",
        heading=_("Record minutes and mark held"), initial=lambda f: {"version": f.version, "minutes": f.minutes},
        service=services.forum_hold, arguments=lambda form: {"minutes": form.cleaned_data["minutes"]},
    )
