"""Verify the cluster's chain from a page, and download the history and the offline checker.

GET shows the chain's current head and the button; the check itself is a POST (it seals the
changes captured outside the application into the chain first, so it is not a GET side
effect), and its result is rendered in the answer. The exports are the API's
(plans/audit/export.py) under the session: the plan's events, or the cluster's whole chain,
which docs/verify_export.py checks link by link against a published head.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from plans.audit import export, timeline
from plans.audit.api import SEAL_BATCHES_PER_REQUEST
from plans.audit.seal import pending_count
from plans.audit.verify import ChainReport, audit
from plans.models import HistoryChainHead, HistoryEvent, Plan
from plans.web.forums import zone_of

from .access import workbench_plan

SCRIPT_NAME = "verify_export.py"
# What each problem of plans/audit/verify.py means, for a person (docs/audit.md has the table).
PROBLEMS = {
    "hash_mismatch": gettext_lazy("An event's content was changed after it was recorded."),
    "broken_link": gettext_lazy("An event was changed and its hash recomputed: the next event no longer links to it."),
    "gap": gettext_lazy("Events are missing from the middle of the chain (deleted)."),
    "duplicate_position": gettext_lazy("An event was inserted at a position already taken."),
    "tail_missing": gettext_lazy("The last events of the chain were deleted."),
    "beyond_head": gettext_lazy("Events were appended behind the chain head's back."),
    "head_mismatch": gettext_lazy("The chain head was edited."),
    "no_head": gettext_lazy("The chain head is missing."),
    "anchor_mismatch": gettext_lazy("The chain no longer holds a hash published earlier."),
    "anchor_missing": gettext_lazy("The chain was cut below a position published earlier."),
}


def script_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / SCRIPT_NAME


def _head(chain_id: int) -> str:
    head = HistoryChainHead.objects.filter(chain_id=chain_id).values_list("last_seq", "last_hash").first()
    return f"{chain_id}:{head[0]}:{head[1]}" if head and head[0] else ""


def _timeline_at(plan: Plan, sequence: int | None) -> str:
    """The timeline page that starts at event `sequence`, when it is one of this plan's."""
    if sequence is None or not HistoryEvent.objects.filter(pk=sequence, plan_id=plan.pk).exists():
        return ""
    return f"{reverse('plans:history', args=[plan.pk])}?before={sequence + 1}#event-{sequence}"


def _chain_result(plan: Plan, chain: ChainReport) -> dict[str, Any]:
    head = f"{chain.chain_id}:{chain.head_seq}:{chain.head_hash}" if chain.head_seq else ""
    return {
        "chain": chain, "head": head, "problem": PROBLEMS.get(chain.problem, chain.problem),
        "bad_url": _timeline_at(plan, chain.first_bad_sequence),
        "outside_url": _timeline_at(plan, chain.last_outside_app_sequence),
    }


@login_required
@require_http_methods(["GET", "POST"])
def history_verify(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = workbench_plan(request, plan_id)
    chain_id = plan.cluster_id
    context: dict[str, Any] = {"plan": plan, "cluster": plan.cluster, "zone": zone_of(plan), "nav_current": "history"}
    if request.method == "POST":
        report = audit([chain_id], seal_batches=SEAL_BATCHES_PER_REQUEST)
        chain = next((c for c in report.chains if c.chain_id == chain_id), ChainReport(chain_id=chain_id))
        context.update({"report": report, "ok": report.ok, **_chain_result(plan, chain)})
    else:
        context["head"] = _head(chain_id)
    context.update({
        "pending": pending_count(), "chain_id": chain_id,
        "chain_file": f"chain-{chain_id}.jsonl", "script_name": SCRIPT_NAME,
    })
    return render(request, "plans/history_verify.html", context)


def _format(request: HttpRequest) -> str | None:
    fmt = (request.GET.get("format") or "jsonl").lower()
    return fmt if fmt in export.FORMATS else None


def _streamed(qs: Any, fmt: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.batched(export.export_lines(qs, fmt)), content_type=export.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def history_export(request: HttpRequest, plan_id: int) -> HttpResponseBase:
    """The plan's whole history with its hashes, oldest first (a subset of the cluster's chain)."""
    plan = workbench_plan(request, plan_id)
    fmt = _format(request)
    if fmt is None:
        return HttpResponseBadRequest(_("Unknown export format: use csv or jsonl."))
    qs = timeline.plan_events(plan.pk)
    return _streamed(qs, fmt, f"plan-{plan.pk}-history")


@login_required
@require_safe
def chain_export(request: HttpRequest, plan_id: int) -> HttpResponseBase:
    """The plan's cluster's whole chain in position order: every link checks offline."""
    plan = workbench_plan(request, plan_id)
    fmt = _format(request)
    if fmt is None:
        return HttpResponseBadRequest(_("Unknown export format: use csv or jsonl."))
    qs = HistoryEvent.objects.filter(chain_id=plan.cluster_id).order_by("chain_seq")
    return _streamed(qs, fmt, f"chain-{plan.cluster_id}")


@login_required
@require_safe
def verify_script(request: HttpRequest) -> FileResponse:
    """docs/verify_export.py, the standalone checker (Python 3 only): no secret in it."""
    path = script_path()
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=SCRIPT_NAME, content_type="text/x-python")
