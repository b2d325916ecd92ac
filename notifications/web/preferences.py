"""`/me/preferences/`: a person chooses which emails they get, for themselves only.

The stakeholder is always the one the session acts as (a personal link's, or the logged-in
user's own record): no page takes another person's id, so a link cannot change someone
else's choices. GET shows; each POST calls one service, which records one history event
(none when nothing changes) on the stakeholder.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from notifications import selectors
from notifications.models import NotificationProfile, Subscription
from notifications.services.preferences import ScopeChoice, default_subscription, effective_state, preferences_save
from notifications.services.preferences import time_zones as known_time_zones
from notifications.services.subscriptions import calendar_token_rotate, resubscribe
from plans import links
from plans.models import Stakeholder
from plans.permissions import STAKEHOLDER_WRITE_ROLES
from plans.services.links import links_revoke
from plans.web.base import may, require_roles, run_service

from .forms import PreferencesForm
from .home import chosen, me

TEMPLATE = "notifications/web/preferences.html"


def _stakeholder(request: HttpRequest) -> Stakeholder | None:
    return chosen(request, me(request))


def _back(request: HttpRequest, stakeholder: Stakeholder) -> HttpResponse:
    url = reverse("notifications:preferences")
    if len(me(request)) > 1:
        url += f"?cluster={stakeholder.cluster_id}"
    return redirect(url)


def _own_or_default(stakeholder: Stakeholder, profile: NotificationProfile | None) -> dict[tuple[str, int], Any]:
    if profile is None:  # what the first message will give them (a GET writes nothing)
        return {(Subscription.Scope.CLUSTER, stakeholder.cluster_id): default_subscription(stakeholder)}
    return selectors.own_subscriptions(stakeholder)


def _extra_project(request: HttpRequest) -> int | None:
    """`?project=<id>`: show that project's row too (the preference_targets of the cluster only)."""
    wanted = request.GET.get("project", "")
    return int(wanted) if wanted.isascii() and wanted.isdigit() else None


def _form(request: HttpRequest, stakeholder: Stakeholder, profile: NotificationProfile | None,
          data: Any = None) -> tuple[PreferencesForm, dict[str, Any]]:
    own = _own_or_default(stakeholder, profile)
    targets = selectors.preference_targets(stakeholder, own=own, extra_project=_extra_project(request))
    cluster_id = stakeholder.cluster_id

    def state(scope: str, scope_id: int, plan_id: int | None = None) -> dict[str, Any]:
        return effective_state(scope, scope_id, cluster_id=cluster_id, own=own, plan_id=plan_id)

    scopes = [(Subscription.Scope.CLUSTER, cluster_id,
               _("Everything in %(cluster)s") % {"cluster": stakeholder.cluster.name},
               state(Subscription.Scope.CLUSTER, cluster_id))]
    scopes += [(Subscription.Scope.PLAN, plan.pk, _("Plan: %(plan)s") % {"plan": plan.title},
                state(Subscription.Scope.PLAN, plan.pk)) for plan in targets["plans"]]
    scopes += [(Subscription.Scope.PROJECT, p["pk"], _("Project: %(code)s %(title)s") % p,
                state(Subscription.Scope.PROJECT, p["pk"], p["plan_id"])) for p in targets["projects"]]
    zones = sorted(known_time_zones())
    initial = {"language": stakeholder.language, "time_zone": stakeholder.time_zone,
               "paused": profile is not None and profile.paused_at is not None}
    form = PreferencesForm(data, scopes=scopes, time_zones=zones, initial=initial)
    return form, targets


def _context(request: HttpRequest, stakeholder: Stakeholder, profile: NotificationProfile | None,
             form: PreferencesForm, targets: dict[str, Any]) -> dict[str, Any]:
    calendar_url = ""
    if profile is not None:
        calendar_url = f"{settings.SITE_URL}{reverse('calendar-feed', args=[profile.calendar_token])}"
    return {
        "stakeholder": stakeholder, "cluster": stakeholder.cluster, "profile": profile, "form": form,
        "scope_fields": form.scope_fields(), "other_projects": targets["other_projects"],
        "calendar_url": calendar_url, "may_change": may(request.user, stakeholder.cluster_id, STAKEHOLDER_WRITE_ROLES),
        "several": len(me(request)) > 1, "via_link": links.link_stakeholder(request) is not None,
    }


@never_cache  # the page shows the calendar feed's secret address
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    stakeholder = _stakeholder(request)
    if stakeholder is None:
        if request.method == "POST":
            raise Http404  # nobody to act for
        return render(request, TEMPLATE, {"stakeholder": None})
    profile = selectors.profile_of(stakeholder)
    if request.method != "POST":
        form, targets = _form(request, stakeholder, profile)
        return render(request, TEMPLATE, _context(request, stakeholder, profile, form, targets))
    require_roles(request.user, stakeholder.cluster_id, STAKEHOLDER_WRITE_ROLES)
    form, targets = _form(request, stakeholder, profile, request.POST)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        scopes = [ScopeChoice(scope, scope_id, how, tuple(events)) for scope, scope_id, how, events in form.choices()]
        outcome = run_service(
            request, form, preferences_save, stakeholder_id=stakeholder.pk, language=data["language"] or None,
            time_zone=data["time_zone"] or None, paused=data["paused"], scopes=scopes,
        )
        if outcome.ok:
            messages.success(request, _("Your choices are saved.") if outcome.value is not None
                             else _("Nothing changed: these were already your choices."))
            return _back(request, stakeholder)
        status = outcome.status
    return render(request, TEMPLATE, _context(request, stakeholder, profile, form, targets), status=status)


def _acting(request: HttpRequest) -> Stakeholder:
    stakeholder = _stakeholder(request)
    if stakeholder is None:
        raise Http404
    require_roles(request.user, stakeholder.cluster_id, STAKEHOLDER_WRITE_ROLES)
    return stakeholder


@login_required
@require_POST
def preferences_resubscribe(request: HttpRequest) -> HttpResponse:
    stakeholder = _acting(request)
    run_service(request, None, resubscribe, stakeholder_id=stakeholder.pk)
    messages.success(request, _("Welcome back: you will get your emails again, as you had chosen them."))
    return _back(request, stakeholder)


@login_required
@require_POST
def preferences_calendar(request: HttpRequest) -> HttpResponse:
    stakeholder = _acting(request)
    run_service(request, None, calendar_token_rotate, stakeholder_id=stakeholder.pk)
    messages.success(request, _("Your calendar has a new address; the old one no longer works. "
                                "Add the new one to your calendar program."))
    return _back(request, stakeholder)


@login_required
@require_POST
def preferences_links(request: HttpRequest) -> HttpResponse:
    stakeholder = _acting(request)
    run_service(request, None, links_revoke, stakeholder_id=stakeholder.pk)
    if links.link_stakeholder(request) is not None:
        # This browser stays open on the new key; every other link and page opened by one stops.
        fresh = Stakeholder.objects.select_related("link_key", "user", "cluster").get(pk=stakeholder.pk)
        links.start_session(request, links.OpenedLink(stakeholder=fresh, path=reverse("notifications:preferences")))
    messages.success(request, _("The links in the emails you got so far no longer work. "
                                "Each new email brings new ones."))
    return _back(request, stakeholder)
