"""Agreement pages: list per plan (or forum), detail with the tally, open, positions, close.

The tally is a readable table (counts and organizations per position); a decided agreement
shows the tally stored when it was closed, with its rule. Refusals of the rules come back in
plain language on the same page, the person's input kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plans import forum_selectors, selectors
from plans.access import acts_only_for_self
from plans.models import Agreement, Organization, Position
from plans.permissions import AGREEMENT
from plans.services import agreements as services
from plans.web.base import may, require_roles, run_service, scoped_or_404
from plans.web.forms import AgreementCreateForm, CloseForm, OwnPositionForm, PositionForm
from plans.web.forums import load_plan
from plans.web.refusals import take_current_version


@dataclass(frozen=True)
class AgreementAction:
    """A button another app adds to an open agreement's page (a POST to `url_name` with the
    agreement's id), registered in its AppConfig.ready() with the roles from its own
    permissions.py, so plans never imports it (as the plan nav does, plans/web/nav.py)."""

    key: str
    label: Promise
    url_name: str
    roles: frozenset[str]
    help_text: Promise | None = None


_ACTIONS: dict[str, AgreementAction] = {}


def register_action(*actions: AgreementAction) -> None:
    for action in actions:
        _ACTIONS[action.key] = action


def agreement_actions(user: Any, agreement: Agreement) -> list[dict[str, Any]]:
    """The registered actions this user may take on this (open) agreement."""
    if agreement.status != Agreement.Status.OPEN:
        return []
    items = []
    for action in sorted(_ACTIONS.values(), key=lambda a: a.key):
        if not may(user, agreement.plan.cluster_id, action.roles):
            continue
        try:
            url = reverse(action.url_name, args=[agreement.pk])
        except NoReverseMatch:  # the app is not installed
            continue
        items.append({"key": action.key, "label": action.label, "url": url, "help_text": action.help_text})
    return items


def load_agreement(request: HttpRequest, agreement_id: int) -> Agreement:
    queryset = selectors.agreement_list(user=request.user).select_related("plan__cluster", "forum", "phase")
    return scoped_or_404(queryset, request.user, agreement_id)


def _forum_filter(request: HttpRequest) -> int | None:
    """`?forum=<id>`: ASCII digits within a 64-bit key, else no filter (never a failing query)."""
    value = request.GET.get("forum", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


@login_required
@require_GET
def agreement_list(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = load_plan(request, plan_id)
    forum_id = _forum_filter(request)
    forums = forum_selectors.forums_of_plan(user=request.user, plan_id=plan.pk)
    return render(request, "plans/agreement_list.html", {
        "plan": plan, "cluster": plan.cluster, "forums": forums, "forum_id": forum_id,
        "agreements": forum_selectors.agreements_of_plan(user=request.user, plan_id=plan.pk, forum_id=forum_id),
        "can_write": may(request.user, plan.cluster_id, AGREEMENT.write_roles("create")),
    })


def _detail(
    request: HttpRequest, agreement: Agreement, *, position_form: PositionForm | None = None,
    close_form: CloseForm | None = None, status: int = 200,
) -> HttpResponse:
    cluster_id = agreement.plan.cluster_id
    is_open = agreement.status == Agreement.Status.OPEN
    may_position = is_open and may(request.user, cluster_id, AGREEMENT.write_roles("positions"))
    may_close = is_open and may(request.user, cluster_id, AGREEMENT.write_roles("close"))
    by_forum = agreement.rule == Agreement.Rule.FORUM_CONSENSUS
    if may_position and position_form is None:
        organizations = _position_organizations(request, agreement, offered=True)
        position_form = PositionForm(organizations=organizations) if organizations.exists() else None
    if may_close:
        close_form = close_form or CloseForm(initial={"version": agreement.version}, forum_consensus=by_forum)
    attendance = None
    if may_close and by_forum and agreement.forum is not None:
        attendance = forum_selectors.forum_attendance(forum=agreement.forum)
    return render(request, "plans/agreement_detail.html", {
        "agreement": agreement, "plan": agreement.plan, "cluster": agreement.plan.cluster,
        "tally": forum_selectors.agreement_tally(agreement=agreement), "can_write": may_close,
        "is_open": is_open, "position_form": position_form if may_position else None,
        "close_form": close_form if may_close else None, "attendance": attendance,
        "acts_for_own": acts_only_for_self(request.user, cluster_id),
        "actions": agreement_actions(request.user, agreement),
        "non_responders": forum_selectors.non_responding_members(agreement=agreement) if is_open else None,
    }, status=status)


def _position_organizations(request: HttpRequest, agreement: Agreement, *, offered: bool = False) -> Any:
    """The organizations the position form accepts. Coordinators record for any member; a
    stakeholder is offered only their own organization(s), and for any other member the
    service's refusal (403) answers, as over the API."""
    cluster_id = agreement.plan.cluster_id
    if offered and acts_only_for_self(request.user, cluster_id):
        return forum_selectors.own_organizations(user=request.user, cluster_id=cluster_id)
    return forum_selectors.member_organizations(cluster_id=cluster_id)


@login_required
@require_GET
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    return _detail(request, load_agreement(request, agreement_id))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = load_plan(request, plan_id)
    require_roles(request.user, plan.cluster_id, AGREEMENT.write_roles("create"))
    forums = forum_selectors.forums_of_plan(user=request.user, plan_id=plan.pk)
    phases = forum_selectors.phases_of_plan(user=request.user, plan_id=plan.pk)
    initial = {"forum": _forum_filter(request)}
    form = AgreementCreateForm(request.POST or None, initial=initial, forums=forums, phases=phases,
                               open_days=settings.PMC_AGREEMENT_OPEN_DAYS)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        forum, phase = data.pop("forum"), data.pop("phase")
        outcome = run_service(
            request, form, services.agreement_create, plan_id=plan.pk, forum_id=forum.pk if forum else None,
            phase_id=phase.pk if phase else None, **data,
        )
        if outcome.ok:
            return redirect("plans:agreement-detail", agreement_id=outcome.value.pk)
        status = outcome.status
    return render(request, "plans/agreement_create.html", {
        "plan": plan, "cluster": plan.cluster, "form": form,
    }, status=status)


@login_required
@require_POST
def position_record(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """A coordinator records a member organization's position, a stakeholder their own
    organization's (the service checks it); a second one replaces the first."""
    agreement = load_agreement(request, agreement_id)
    require_roles(request.user, agreement.plan.cluster_id, AGREEMENT.write_roles("positions"))
    form = PositionForm(request.POST, organizations=_position_organizations(request, agreement))
    if not form.is_valid():
        return _detail(request, agreement, position_form=form)
    organization: Organization = form.cleaned_data["organization"]
    outcome = run_service(
        request, form, services.position_record, agreement_id=agreement.pk, organization_id=organization.pk,
        position=form.cleaned_data["position"], comment=form.cleaned_data["comment"],
    )
    if not outcome.ok:
        return _detail(request, load_agreement(request, agreement.pk), position_form=form, status=outcome.status)
    return redirect("plans:agreement-detail", agreement_id=agreement.pk)


@login_required
@require_POST
def agreement_close(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Decide under the agreement's rule; the outcome and its tally are stored."""
    agreement = load_agreement(request, agreement_id)
    require_roles(request.user, agreement.plan.cluster_id, AGREEMENT.write_roles("close"))
    form = CloseForm(request.POST, forum_consensus=agreement.rule == Agreement.Rule.FORUM_CONSENSUS)
    if not form.is_valid():
        return _detail(request, agreement, close_form=form, status=400)
    outcome = run_service(request, form, services.agreement_close, agreement_id=agreement.pk,
                          **form.service_kwargs())
    if outcome.ok:
        return redirect("plans:agreement-detail", agreement_id=agreement.pk)
    agreement = load_agreement(request, agreement.pk)
    if outcome.stale:
        take_current_version(form, agreement)
    return _detail(request, agreement, close_form=form, status=outcome.status)


def _chosen_option(request: HttpRequest) -> str | None:
    option = request.GET.get("option", "")
    return option if option in Position.Value.values else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def position_confirm(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Where an email's option link leads: the agreement, the option chosen in the email
    preselected, an optional comment and one button that records the organization's position.

    A GET only shows (mail scanners open every link); the POST records through the service,
    which refuses another organization's position (403) and writes no event when nothing
    changes (a double click). Coordinators choose the organization; a person of one
    organization records theirs. A closed agreement shows its outcome and no form.
    """
    agreement = load_agreement(request, agreement_id)
    cluster_id = agreement.plan.cluster_id
    require_roles(request.user, cluster_id, AGREEMENT.write_roles("positions"))  # auditors: 403
    offered = _position_organizations(request, agreement, offered=True)
    own_only = acts_only_for_self(request.user, cluster_id)
    offered_list = list(offered)
    if own_only and not offered_list:
        raise PermissionDenied(_("You may record a position only for your own organization."))
    organization = _organization_shown(request, offered_list, own_only)
    status = 200
    if request.method == "POST":
        # Every member is accepted here, so another organization's position is the service's 403.
        form = OwnPositionForm(request.POST, organizations=forum_selectors.member_organizations(cluster_id=cluster_id),
                               single=own_only and len(offered_list) == 1)
        if form.is_valid():
            chosen: Organization = form.cleaned_data["organization"]
            outcome = run_service(
                request, form, services.position_record, agreement_id=agreement.pk, organization_id=chosen.pk,
                position=form.cleaned_data["position"], comment=form.cleaned_data["comment"],
            )
            if outcome.ok:
                messages.success(request, _("The position of %(organization)s is recorded.")
                                 % {"organization": chosen.name})
                target = reverse("plans:agreement-position", args=[agreement.pk])
                return redirect(target if own_only else f"{target}?organization={chosen.pk}")
            agreement, status = load_agreement(request, agreement.pk), outcome.status
        organization = form.cleaned_data.get("organization") or organization
    current = _current_position(agreement, organization)
    if request.method != "POST":
        initial = {"organization": organization, "position": _chosen_option(request)
                   or (current.position if current else None), "comment": current.comment if current else ""}
        form = OwnPositionForm(initial=initial, organizations=offered, single=own_only and len(offered_list) == 1)
    is_open = agreement.status == Agreement.Status.OPEN
    return render(request, "plans/agreement_position.html", {
        "agreement": agreement, "plan": agreement.plan, "cluster": agreement.plan.cluster,
        "organization": organization, "own_only": own_only, "current": current,
        "form": form if is_open else None, "is_open": is_open,
    }, status=status)


def _organization_shown(request: HttpRequest, offered: list[Organization], own_only: bool) -> Organization | None:
    """The organization the page is about: a person's own one, or the one a coordinator picked."""
    if own_only and len(offered) == 1:
        return offered[0]
    wanted = request.GET.get("organization", "")
    return next((o for o in offered if str(o.pk) == wanted), None)


def _current_position(agreement: Agreement, organization: Organization | None) -> Position | None:
    if organization is None:
        return None
    return selectors.position_list(agreement=agreement).filter(organization=organization).first()
