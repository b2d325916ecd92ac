"""A plan's reminder policy: shown to every reader of the plan, changed by its coordinators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from notifications import selectors
from notifications.models import ReminderPolicy
from notifications.permissions import REMINDER_POLICY
from notifications.services.subscriptions import reminder_policy_set
from plans.models import Plan
from plans.web.base import may, require_roles, run_service, scoped_or_404

from .forms import ReminderPolicyForm


def _initial(policy: ReminderPolicy, *, exists: bool) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(policy, name) for name in ReminderPolicyForm.FIELDS}
    values["version"] = policy.version if exists else 0
    return values


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reminder_policy(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan: Plan = scoped_or_404(Plan.objects.select_related("cluster"), request.user, plan_id,
                               roles=REMINDER_POLICY.read)
    may_edit = may(request.user, plan.cluster_id, REMINDER_POLICY.write_roles("partial_update"))
    if request.method == "POST":
        require_roles(request.user, plan.cluster_id, REMINDER_POLICY.write_roles("partial_update"))
    stored = selectors.reminder_policy_of(plan_id=plan.pk)
    policy = stored or ReminderPolicy(plan=plan)  # unsaved: the defaults a plan without a row uses
    data = request.POST.copy() if request.method == "POST" else None
    form = ReminderPolicyForm(data, initial=_initial(policy, exists=stored is not None))
    status, current = 200, None
    if data is not None and form.is_valid():
        outcome = run_service(request, form, reminder_policy_set, plan_id=plan.pk, values=form.values())
        if outcome.ok:
            messages.success(request, _("The reminder policy of %(plan)s is saved.") % {"plan": plan.title})
            return redirect("notifications:reminder-policy", plan.pk)
        status = outcome.status
        if outcome.stale:
            current = selectors.reminder_policy_of(plan_id=plan.pk)
            data["version"] = str(current.version if current else 0)
    return render(request, "notifications/web/reminder_policy.html", {
        "cluster": plan.cluster, "plan": plan, "policy": policy, "is_default": stored is None, "form": form,
        "may_edit": may_edit, "current": current,
    }, status=status)
