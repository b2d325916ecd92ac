"""Forum pages of a plan: list, detail, schedule, time and place, agenda, cancel, minutes and hold.

Thin views: load the row in the user's scope (404 outside it), check the writing role (403),
parse a form, call the same service as the API, render. Times are shown and typed in the
forum's zone (the cluster's), labelled on the page. The check-in list is in `checkin.py`.

The detail page is also the invitation a stakeholder opens from the email (often through a
personal link, on a phone): the time in the forum's zone and in theirs when it differs, the
venue, the agenda, the reply buttons (yes / no / maybe, one POST) and the .ics download. A
`?answer=` in the address only preselects a button: a GET never records anything. Those who
oversee the forum see the replies per answer with names, and how many have not answered.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plans import forum_selectors, selectors
from plans.calendar import forum_calendar
from plans.links import link_stakeholder
from plans.models import Forum, ForumResponse, Plan, Stakeholder
from plans.permissions import AGREEMENT, FORUM, OVERSIGHT_ROLES
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


class RsvpForm(forms.Form):
    """One form, three submit buttons named `answer`: one tap answers (the page renders them)."""

    answer = forms.ChoiceField(choices=ForumResponse.Answer.choices)
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: who else from your organization will come."),
    )
    # A coordinator recording someone's reply names them; a stakeholder's own reply needs none.
    stakeholder = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


ANSWER_BUTTONS = (
    (ForumResponse.Answer.YES, _("Yes, I will attend")),
    (ForumResponse.Answer.NO, _("No, I cannot attend")),
    (ForumResponse.Answer.MAYBE, _("Maybe")),
)


def _person_zone(person: Stakeholder | None, forum_zone: zoneinfo.ZoneInfo) -> zoneinfo.ZoneInfo | None:
    """The person's own zone when it differs from the forum's (then the page shows both)."""
    if person is None or not person.time_zone or person.time_zone == forum_zone.key:
        return None
    try:
        return zoneinfo.ZoneInfo(person.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _detail(request: HttpRequest, forum: Forum, *, rsvp_form: RsvpForm | None = None, status: int = 200
            ) -> HttpResponse:
    cluster_id = forum.plan.cluster_id
    attendance = list(selectors.attendance_list(forum=forum).order_by("organization__name", "stakeholder__name"))
    person = forum_selectors.own_stakeholder(user=request.user, cluster_id=cluster_id,
                                             linked=link_stakeholder(request))
    may_rsvp = (
        forum.status == Forum.Status.SCHEDULED and person is not None
        and may(request.user, cluster_id, FORUM.write_roles("rsvp"))
    )
    reply = forum_selectors.own_reply(forum=forum, stakeholder=person) if may_rsvp else None
    asked = request.GET.get("answer", "")
    chosen = asked if asked in ForumResponse.Answer.values else (reply.answer if reply else "")
    if may_rsvp and rsvp_form is None:
        rsvp_form = RsvpForm(initial={"comment": reply.comment if reply else ""})
    oversees = may(request.user, cluster_id, OVERSIGHT_ROLES)
    context = forum_context(
        request, forum,
        organizations=[row.organization for row in attendance if row.organization_id],
        people=[row.stakeholder for row in attendance if row.stakeholder_id],
        agreements=forum_selectors.agreements_of_plan(user=request.user, plan_id=forum.plan_id, forum_id=forum.pk),
        may_open_agreement=may(request.user, cluster_id, AGREEMENT.write_roles("create")),
        person=person, person_zone=_person_zone(person, zone_of(forum.plan)),
        may_rsvp=may_rsvp, rsvp_form=rsvp_form if may_rsvp else None, reply=reply, chosen=chosen,
        # A reply refused because the forum changed meanwhile (cancelled, held): say why.
        rsvp_refusals=list(rsvp_form.non_field_errors()) if rsvp_form is not None and not may_rsvp else [],
        preselected=asked in ForumResponse.Answer.values and (reply is None or reply.answer != asked),
        answer_buttons=ANSWER_BUTTONS, replies=forum_selectors.forum_replies(forum=forum) if oversees else None,
    )
    return render(request, "plans/forum_detail.html", context, status=status)


@login_required
@require_GET
def forum_detail(request: HttpRequest, forum_id: int) -> HttpResponse:
    return _detail(request, load_forum(request, forum_id))


@login_required
@require_POST
def forum_rsvp(request: HttpRequest, forum_id: int) -> HttpResponse:
    """Record the reply (the service checks whose it may be); the same answer again changes nothing."""
    forum = load_forum(request, forum_id)
    require_roles(request.user, forum.plan.cluster_id, FORUM.write_roles("rsvp"))
    form = RsvpForm(request.POST)
    if not form.is_valid():
        return _detail(request, forum, rsvp_form=form)
    linked = link_stakeholder(request)
    stakeholder_id = form.cleaned_data["stakeholder"] or (linked.pk if linked is not None else None)
    outcome = run_service(
        request, form, services.forum_rsvp, forum_id=forum.pk, answer=form.cleaned_data["answer"],
        comment=form.cleaned_data["comment"], stakeholder_id=stakeholder_id,
    )
    if not outcome.ok:
        return _detail(request, load_forum(request, forum.pk), rsvp_form=form, status=outcome.status)
    reply: ForumResponse = outcome.value
    messages.success(request, _("Thank you. Reply of %(name)s recorded: %(answer)s.") % {
        "name": reply.stakeholder.name, "answer": reply.get_answer_display()})
    return redirect(reverse("plans:forum-detail", args=[forum.pk]) + "#rsvp")


@login_required
@require_GET
def forum_ics(request: HttpRequest, forum_id: int) -> HttpResponse:
    """Add to calendar: this forum as an .ics file (the same event the invitation carries)."""
    forum = load_forum(request, forum_id)
    response = HttpResponse(forum_calendar(forum), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="forum-{forum.pk}.ics"'
    return response


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
