"""The plan report for the annual assembly and the lender (`projects:plan-report`, `…-pdf`).

One template, `projects/report.html`, is both the page (its print stylesheet makes the
browser's print of it the same document) and the PDF: WeasyPrint renders the very HTML the
page answers, with a URL fetcher that serves our static files from disk and refuses every
other URL, so making a PDF fetches nothing from any host. Fonts come from the system
(fontconfig), never from the network.

Who: whoever may read the plan page (DASHBOARD.read: coordinators, stakeholders and auditors
of the cluster, programme administrators) gets the current report; the assembly's members are
the cluster's stakeholders and every figure in it is on the plan page they already read.
`?as_of=` is rebuilt from the history, so it takes the history's roles (HISTORY.read:
coordinators and auditors; a stakeholder gets 403, as from the API's as-of).
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import posixpath
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from plans.access_cache import prime_access
from plans.audit.seal import seal_outside_writes
from plans.audit.timeline import parse_instant
from plans.errors import ValidationFailed
from plans.models import Cluster
from plans.permissions import HISTORY
from plans.web.base import domain_error_message, may, require_roles
from projects import reports, selectors
from projects.permissions import DASHBOARD

TEMPLATE = "projects/report.html"
logger = logging.getLogger(__name__)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # not one INFO line per step and page
AS_OF_ROLES = HISTORY.read  # the as-of report is read from the history
SEAL_BATCHES = 10  # x 1000 captured changes sealed before an as-of read, as the API's as-of does


@login_required
@require_safe
def plan_report(request: HttpRequest, plan_id: int) -> HttpResponse:
    context, status = _context(request, plan_id)
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_safe
def plan_report_pdf(request: HttpRequest, plan_id: int) -> HttpResponse:
    context, status = _context(request, plan_id, pdf=True)
    if status != 200:
        return render(request, TEMPLATE, context, status=status)
    html = render_to_string(TEMPLATE, context, request=request)
    try:
        pdf = render_pdf(html, base_url=request.build_absolute_uri("/"))
    except OSError:  # WeasyPrint loads Pango when it is imported: a machine without it (see README)
        logger.exception("the PDF report needs Pango (apt-get install libpango-1.0-0 libpangoft2-1.0-0)")
        context["pdf_unavailable"] = True
        return render(request, TEMPLATE, {**context, "pdf": False}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    day = (context["report"]["as_of"] or context["report"]["generated_at"])
    name = f"{slugify(context['report']['plan']['title'])[:60] or 'plan'}-{timezone.localdate(day).isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _context(request: HttpRequest, plan_id: int, *, pdf: bool = False) -> tuple[dict[str, Any], int]:
    prime_access(request)
    row = selectors.plan_row_visible(request.user, plan_id, DASHBOARD.read)
    if row is None:
        raise Http404
    may_as_of = may(request.user, row["cluster"], AS_OF_ROLES)
    context: dict[str, Any] = {
        "plan": row, "nav_current": "report", "may_as_of": may_as_of, "pdf": pdf, "as_of_value": "",
        "cluster": Cluster(pk=row["cluster"], name=row["cluster_name"]),  # the header's name; no query
    }
    raw = (request.GET.get("as_of") or "").strip()
    if not raw:
        context["report"] = reports.plan_report(row, user=request.user)
        return context, 200
    require_roles(request.user, row["cluster"], AS_OF_ROLES)
    context["as_of_value"] = raw[:40]
    try:
        at = _as_of(raw)
    except ValidationFailed as exc:
        context["as_of_error"] = domain_error_message(exc)
        context["report"] = None
        return context, 400
    seal_outside_writes(batch_size=1000, max_batches=SEAL_BATCHES)  # raw writes caught so far are in the history
    context["report"] = reports.plan_report_as_of(row, at)
    context["as_of_date_only"] = "T" not in raw
    return context, 200


def _as_of(raw: str) -> dt.datetime:
    """A date means the end of that day (the report "as of 21 September" includes that day)."""
    try:
        day = parse_date(raw)
    except ValueError:  # a date-shaped value that is no date: parse_instant explains it
        day = None
    if day is not None:  # Python reads a bare date as its midnight: the end of the day is meant
        raw = dt.datetime.combine(day, dt.time.max).isoformat()
    at = parse_instant(raw, "as_of")
    now = timezone.now()
    if at is None or timezone.localdate(at) > timezone.localdate(now):
        raise ValidationFailed(_("The report can show the past, not the future: choose a date up to today."),
                               errors={"as_of": [_("Choose a date up to today.")]})
    return min(at, now)  # today's date: the plan as it stands now


# --- PDF -----------------------------------------------------------------------------------


class RefusedURL(ValueError):
    pass


def static_fetcher(base_url: str) -> Any:
    """A WeasyPrint URL fetcher: this site's static files, read from disk; any other URL is
    refused (WeasyPrint then leaves the resource out with a warning)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    base = urlsplit(base_url)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(prefix):
                raise RefusedURL(f"not fetched (only this site's static files are): {url[:200]}")
            name = posixpath.normpath(unquote(parts.path[len(prefix):]))
            if name.startswith(("..", "/")) or "\x00" in name:
                raise RefusedURL(f"not a static file: {url[:200]}")
            path = _static_path(name)
            if path is None:
                raise RefusedURL(f"no such static file: {name}")
            with open(path, "rb") as handle:
                body = handle.read()
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": kind})

    return StaticOnlyFetcher(allowed_protocols=(base.scheme,))


def _static_path(name: str) -> str | None:
    """The collected file (production, hashed names) or the app's own (development, tests)."""
    try:
        if staticfiles_storage.exists(name):
            return str(staticfiles_storage.path(name))
    except (NotImplementedError, ValueError):
        pass
    found = finders.find(name)
    return found if isinstance(found, str) else None


def render_pdf(html: str, *, base_url: str) -> bytes:
    import weasyprint  # imported when a PDF is made: Pango loads once, pages that print nothing skip it

    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=static_fetcher(base_url))
    return bytes(document.write_pdf())


__all__ = ["plan_report", "plan_report_pdf", "render_pdf", "static_fetcher"]
