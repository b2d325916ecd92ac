"""Subscriptions of a cluster's stakeholders: list, create, edit and delete through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from notifications import selectors
from notifications.kinds import Kind
from notifications.models import Subscription
from notifications.permissions import CLUSTER_SUBSCRIPTIONS
from notifications.services.subscriptions import subscription_create, subscription_delete, subscription_update
from plans.models import Cluster
from plans.web.base import may, require_roles, run_service, scoped_or_404

from .forms import SubscriptionForm

FORM_TEMPLATE = "notifications/web/subscription_form.html"


def _cluster(request: HttpRequest, cluster_id: int, roles: frozenset[str]) -> Cluster:
    cluster: Cluster = scoped_or_404(Cluster.objects.all(), request.user, cluster_id, cluster_path="")
    require_roles(request.user, cluster.pk, roles)
    return cluster


def _subscription(request: HttpRequest, cluster: Cluster, subscription_id: int) -> Subscription:
    found = selectors.subscription_in_cluster(
        user=request.user, cluster_id=cluster.pk, subscription_id=subscription_id
    )
    if found is None:
        raise Http404
    return found


def describe(subscription: Subscription, targets: dict[tuple[str, int], str]) -> dict[str, Any]:
    kinds = [Kind(k).label for k in subscription.events if k in Kind.values]
    return {
        "subscription": subscription,
        "about": targets.get((subscription.scope, subscription.scope_id), subscription.scope_id),
        "events": kinds,
    }


@login_required
@require_safe
def subscription_list(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = _cluster(request, cluster_id, CLUSTER_SUBSCRIPTIONS.read)
    targets = selectors.subscription_targets(cluster=cluster)
    rows = [describe(s, targets) for s in selectors.cluster_subscriptions(user=request.user, cluster_id=cluster.pk)]
    return render(request, "notifications/web/subscriptions.html", {
        "cluster": cluster, "rows": rows, "may_edit": may(request.user, cluster.pk, CLUSTER_SUBSCRIPTIONS.write),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def subscription_new(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = _cluster(request, cluster_id, CLUSTER_SUBSCRIPTIONS.write)
    form = SubscriptionForm(
        request.POST or None, stakeholders=selectors.cluster_stakeholders(cluster_id=cluster.pk),
        targets=selectors.subscription_targets(cluster=cluster), editing=False,
        initial={"about": f"cluster:{cluster.pk}", "frequency": "immediate"},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        values = form.values()
        outcome = run_service(
            request, form, subscription_create, stakeholder_id=form.cleaned_data["stakeholder"].pk, **values
        )
        if outcome.ok:
            messages.success(request, _("Subscription created for %(name)s.") % {
                "name": form.cleaned_data["stakeholder"].name})
            return redirect("notifications:subscriptions", cluster.pk)
        status = outcome.status
    return render(request, FORM_TEMPLATE, {"cluster": cluster, "form": form, "editing": False}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def subscription_edit(request: HttpRequest, cluster_id: int, subscription_id: int) -> HttpResponse:
    cluster = _cluster(request, cluster_id, CLUSTER_SUBSCRIPTIONS.write)
    subscription = _subscription(request, cluster, subscription_id)
    targets = selectors.subscription_targets(cluster=cluster)
    data = request.POST.copy() if request.method == "POST" else None
    form = SubscriptionForm(data, targets=targets, editing=True, initial=SubscriptionForm.initial_for(subscription))
    status, current = 200, None
    if data is not None and form.is_valid():
        outcome = run_service(request, form, subscription_update, subscription_id=subscription.pk,
                              values=form.values())
        if outcome.ok:
            messages.success(request, _("Subscription of %(name)s saved.") % {"name": subscription.stakeholder.name})
            return redirect("notifications:subscriptions", cluster.pk)
        status = outcome.status
        if outcome.stale:
            # Keep what the person typed; the next send applies it over the current version.
            current = describe(subscription, targets)
            data["version"] = str(subscription.version)
    return render(request, FORM_TEMPLATE, {
        "cluster": cluster, "form": form, "editing": True, "subscription": subscription, "current": current,
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def subscription_remove(request: HttpRequest, cluster_id: int, subscription_id: int) -> HttpResponse:
    cluster = _cluster(request, cluster_id, CLUSTER_SUBSCRIPTIONS.write)
    subscription = _subscription(request, cluster, subscription_id)
    targets = selectors.subscription_targets(cluster=cluster)
    if request.method == "POST":
        outcome = run_service(request, None, subscription_delete, subscription_id=subscription.pk)
        if outcome.ok:
            messages.success(request, _("Subscription of %(name)s deleted.") % {
                "name": subscription.stakeholder.name})
        else:
            messages.error(request, outcome.message)
        return redirect("notifications:subscriptions", cluster.pk)
    return render(request, "notifications/web/subscription_delete.html", {
        "cluster": cluster, **describe(subscription, targets),
    })
