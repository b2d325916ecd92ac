"""Who opens a plan's workbench: programme administrators, and auditors and coordinators of
the plan's cluster (global auditors: every cluster), as for the audit API. A stakeholder of
the cluster sees the plan but not its history (403); anyone else gets 404 (no probing)."""

from __future__ import annotations

from django.http import HttpRequest

from plans import selectors
from plans.access_cache import prime_access
from plans.models import Plan
from plans.permissions import HISTORY
from plans.web.base import require_roles, scoped_or_404


def workbench_plan(request: HttpRequest, plan_id: int) -> Plan:
    """The plan (with its cluster) if the user may read its history; 404 / 403 otherwise."""
    prime_access(request)  # roles cached across reads, as for the plan page and the API
    plan: Plan = scoped_or_404(selectors.plan_list(user=request.user).prefetch_related(None), request.user, plan_id)
    require_roles(request.user, plan.cluster_id, HISTORY.read)
    return plan
