"""The plan page (`projects:plan`): a coordinator's day on one screen, now or as of a moment.

Built from `projects.selectors.plan_page` (the API dashboard's selector plus the lists the
page acts on) and dressed for the template by `plan_display.present`. Write controls show
only to whoever may write in the plan's cluster, and only while the plan is open (the
services refuse writes in a closed plan anyway).

As of a moment: `?as_of=<ISO date-time or date>` (a date is its first instant, in the
server's time zone, as in the API), or `?before_event=<history event id>` (the instant just
before that change: its time minus one microsecond), shows the same page from the same
template as the plan stood then (`plan_page_as_of`, rebuilt from the history), with a banner
and no write control. Who may: whoever may read the plan's history (auditors and
coordinators of the cluster, programme administrators; plans/permissions.py `HISTORY`), as in
the API; a stakeholder gets 403. Input that names no moment (a malformed date, an unknown
event, a moment before the plan existed or still to come) shows the live page with a message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from plans.access_cache import prime_access
from plans.audit.api import seal_before_reading
from plans.audit.timeline import parse_instant
from plans.errors import ValidationFailed
from plans.models import Cluster, HistoryEvent, Plan
from plans.permissions import HISTORY
from plans.web.base import may
from projects import reports, selectors
from projects.permissions import DASHBOARD, MILESTONE, PROJECT

from . import plan_cache
from .plan_display import present

BEFORE_EVENT = dt.timedelta(microseconds=1)


@login_required
@require_safe
def plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    prime_access(request)  # the roles, cached across reads as for the API (writes always reload them)
    cached = plan_cache.cacheable(request)
    row = (selectors.plan_row_versioned if cached else selectors.plan_row_for_page)(
        request.user, plan_id, DASHBOARD.read)
    if row is None:
        raise Http404
    may_look_back = may(request.user, row["cluster"], HISTORY.read)
    asked = _asked_moment(request)
    if asked and not may_look_back:
        raise PermissionDenied(_("Only auditors and coordinators of the cluster may see the plan as of a past date."))
    at, problem = _moment(request, row) if asked else (None, "")
    page = None
    if at is not None:
        seal_before_reading()  # changes caught at the database join the history first, as in the API
        page = selectors.plan_page_as_of(row, at)
        page.update(reports.page_sections_as_of(row["id"], at), partial=False)
        if page["plan"] is None:
            problem = _("The plan did not exist yet on %(moment)s: this is the plan as it stands now.") % {
                "moment": date_format(timezone.localtime(page["as_of"]), "DATETIME_FORMAT")}
            at, page = None, None
    is_open = at is None and row["status"] in Plan.OPEN_STATUSES
    # The page's write controls are the milestone actions (MILESTONE in projects/permissions.py).
    can_write = is_open and may(request.user, row["cluster"], MILESTONE.write_roles("complete"))
    may_create_project = is_open and may(request.user, row["cluster"], PROJECT.write_roles("create"))
    token = get_token(request) if can_write else ""

    def render_content(csrf_token: str) -> dict[str, Any]:
        shown = page if page is not None else selectors.plan_page(
            row if "page_extras" in row else _full_row(request, plan_id))
        context = present(shown, here=request.get_full_path(), can_write=can_write, csrf_token=csrf_token)
        context["may_create_project"] = may_create_project
        return {name: render_to_string(f"projects/plan/_{name}.html", context) for name in ("head", "sections")}

    cached = cached and bool(row.get("history_head"))  # a cluster with no history yet has nothing to name it
    if cached:
        flags = (can_write, may_create_project, may_look_back)
        parts = plan_cache.content(plan_cache.key(row, flags=flags), render_content, token)
    else:
        parts = render_content(token)
    context: dict[str, Any] = {
        "plan": {"id": row["id"], "cluster": row["cluster"], "title": row["title"]}, "head_html": parts["head"],
        "sections_html": parts["sections"], "as_of": page["as_of"] if page is not None else None,
        "cluster": Cluster(pk=row["cluster"], name=row["cluster_name"]),  # for the header; no query
        "as_of_form": _picker(request, at, problem) if may_look_back else None,
    }
    return render(request, "projects/plan.html", context)


def _full_row(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """The plan row with the page's lists, when the cached content must be rendered."""
    row = selectors.plan_row_for_page(request.user, plan_id, DASHBOARD.read)
    if row is None:  # the plan became invisible between the two reads
        raise Http404
    return row


def _asked_moment(request: HttpRequest) -> bool:
    return bool(request.GET.get("as_of", "").strip() or request.GET.get("before_event", "").strip())


def _moment(request: HttpRequest, row: dict[str, Any]) -> tuple[dt.datetime | None, str]:
    """The instant asked for, or None and the message saying why the live page shows instead."""
    event_id = request.GET.get("before_event", "").strip()
    if event_id:
        occurred = (
            HistoryEvent.objects.filter(pk=int(event_id), plan_id=row["id"]).values_list("occurred_at", flat=True)
            .first() if event_id.isascii() and event_id.isdigit() and len(event_id) < 19 else None
        )
        if occurred is None:
            return None, _("That change is not in this plan's history: this is the plan as it stands now.")
        return occurred - BEFORE_EVENT, ""
    text = request.GET.get("as_of", "")
    try:
        at = parse_instant(text, "as_of")
    except ValidationFailed:
        return None, _("“%(value)s” is not a date and time: this is the plan as it stands now.") % {
            "value": text.strip()[:40]}
    if at is None:
        return None, ""
    if at > timezone.now():
        return None, _("That moment has not come yet: this is the plan as it stands now.")
    return at, ""


def _picker(request: HttpRequest, at: dt.datetime | None, problem: str) -> dict[str, Any]:
    """The date-time picker (GET, works without JavaScript): its value in local time."""
    shown = timezone.localtime(at).replace(tzinfo=None).isoformat(timespec="seconds") if at else ""
    typed = request.GET.get("as_of", "")[:40]
    return {"value": shown or typed, "problem": problem,
            "max": timezone.localtime().replace(tzinfo=None).isoformat(timespec="minutes")}
