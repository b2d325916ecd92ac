"""Forum pages of a plan: list, detail, schedule, time and place, agenda, cancel, minutes and hold.

Thin views: load the row in the user's scope (404 outside it), check the writing role (403),
parse a form, call the same service as the API, render. Times are shown and typed in the
forum's zone (the cluster's), labelled on the page. The check-in list is in `checkin.py`.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from plans import forum_selectors, selectors
from plans.access import WRITE_ROLES
from plans.errors import DomainError
from plans.models import Forum, Plan
from plans.services import forums as services
from plans.web.base import actor_from_request, may, require_roles, scoped_or_404
from plans.web.forms import AgendaForm, CancelForm, ForumEditForm, ForumScheduleForm, HoldForm
from plans.web.refusals import refused, reload


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
        "can_write": may(request.user, plan.cluster_id, WRITE_ROLES), **extra,
    }


@login_required
@require_GET
def forum_list(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = load_plan(request, plan_id)
    return render(request, "plans/forum_list.html", {
        "plan": plan, "cluster": plan.cluster, "zone": zone_of(plan),
        "forums": forum_selectors.forums_of_plan(user=request.user, plan_id=plan.pk),
        "can_write": may(request.user, plan.cluster_id, WRITE_ROLES),
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
    ))


@login_required
@require_http_methods(["GET", "POST"])
def forum_schedule(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = load_plan(request, plan_id)
    require_roles(request.user, plan.cluster_id, WRITE_ROLES)
    status = 200
    with timezone.override(zone_of(plan)):
        form = ForumScheduleForm(request.POST or None, phases=forum_selectors.open_phases_of_plan(plan_id=plan.pk))
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            phase = data.pop("phase")
            try:
                forum = services.forum_schedule(phase_id=phase.pk, actor=actor_from_request(request), **data)
            except DomainError as exc:
                status = refused(form, exc)
            else:
                return redirect("plans:forum-detail", forum_id=forum.pk)
        return render(request, "plans/forum_schedule.html", {
            "plan": plan, "cluster": plan.cluster, "zone": zone_of(plan), "form": form,
        }, status=status)


def _forum_action(
    request: HttpRequest, forum_id: int, form_class: type[Any], template: str, initial: Any, call: Any,
    heading: Any,
) -> HttpResponse:
    """GET shows the form for the forum; POST calls the service, or re-renders with the refusal."""
    forum = load_forum(request, forum_id)
    require_roles(request.user, forum.plan.cluster_id, WRITE_ROLES)
    status = 200
    current = None
    with timezone.override(zone_of(forum.plan)):
        form = form_class(request.POST) if request.method == "POST" else form_class(initial=initial(forum))
        if request.method == "POST" and form.is_valid():
            try:
                call(forum, form, actor_from_request(request))
            except DomainError as exc:
                current = reload(Forum, forum.pk)
                status = refused(form, exc, current=current)
            else:
                return redirect("plans:forum-detail", forum_id=forum.pk)
        context = forum_context(request, forum, form=form, current=current, heading=heading)
        return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def forum_edit(request: HttpRequest, forum_id: int) -> HttpResponse:
    """Time and place (a new time is a reschedule)."""
    def call(forum: Forum, form: ForumEditForm, actor: Any) -> None:
        services.forum_update(forum_id=forum.pk, actor=actor, values=form.values(),
                              expected_version=form.cleaned_data["version"])

    return _forum_action(request, forum_id, ForumEditForm, "plans/forum_edit.html", ForumEditForm.initial_for, call,
                         _("Change time or place"))


@login_required
@require_http_methods(["GET", "POST"])
def forum_agenda(request: HttpRequest, forum_id: int) -> HttpResponse:
    def call(forum: Forum, form: AgendaForm, actor: Any) -> None:
        services.forum_update(forum_id=forum.pk, actor=actor, values={"agenda": form.cleaned_data["agenda"]},
                              expected_version=form.cleaned_data["version"])

    return _forum_action(request, forum_id, AgendaForm, "plans/forum_agenda.html",
                         lambda f: {"agenda": f.agenda, "version": f.version}, call, _("Edit agenda"))


@login_required
@require_http_methods(["GET", "POST"])
def forum_cancel(request: HttpRequest, forum_id: int) -> HttpResponse:
    def call(forum: Forum, form: CancelForm, actor: Any) -> None:
        services.forum_cancel(forum_id=forum.pk, actor=actor, reason=form.cleaned_data["reason"],
                              expected_version=form.cleaned_data["version"])

    return _forum_action(request, forum_id, CancelForm, "plans/forum_cancel.html",
                         lambda f: {"version": f.version}, call, _("Cancel forum"))


@login_required
@require_http_methods(["GET", "POST"])
def forum_hold(request: HttpRequest, forum_id: int) -> HttpResponse:
    """Record the minutes and that the forum took place (one step: the service needs both)."""
    def call(forum: Forum, form: HoldForm, actor: Any) -> None:
        services.forum_hold(forum_id=forum.pk, actor=actor, minutes=form.cleaned_data["minutes"],
                            expected_version=form.cleaned_data["version"])

    return _forum_action(request, forum_id, HoldForm, "plans/forum_hold.html",
                         lambda f: {"version": f.version, "minutes": f.minutes}, call,
                         _("Record minutes and mark held"))
