"""Attendance taken on a phone at the venue: a searchable check-in list, one POST per check-in.

The search is a plain GET `?q=` (works without JavaScript); each check-in and each undo is its
own small POST form that comes back to the same place in the list (the search kept, the row
anchored). Readers see who is present, without the buttons.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from plans import forum_selectors, selectors
from plans.models import Forum
from plans.permissions import FORUM
from plans.services import forums as services
from plans.web.base import require_roles, run_service
from plans.web.forms import CheckInForm, SearchForm
from plans.web.forums import forum_context, load_forum

INVALID_CHECKIN = _("Choose one organization or one person to check in.")


def _checkin_page(
    request: HttpRequest, forum: Forum, query: str, *, error: str = "", status: int = 200
) -> HttpResponse:
    search = SearchForm({"q": query})
    search.is_valid()
    query = search.cleaned_data.get("q", "")
    return render(request, "plans/forum_checkin.html", forum_context(
        request, forum, search=search, query=query, error=error,
        checkin=forum_selectors.checkin_list(forum=forum, query=query),
    ), status=status)


def _back(forum: Forum, query: str, anchor: str) -> HttpResponseRedirect:
    url = reverse("plans:forum-checkin", kwargs={"forum_id": forum.pk})
    if query:
        url += "?" + urlencode({"q": query})
    return HttpResponseRedirect(f"{url}#{anchor}", status=303)


@login_required
@require_GET
def forum_checkin(request: HttpRequest, forum_id: int) -> HttpResponse:
    forum = load_forum(request, forum_id)
    return _checkin_page(request, forum, request.GET.get("q", ""))


@login_required
@require_POST
def attendance_add(request: HttpRequest, forum_id: int) -> HttpResponse:
    forum = load_forum(request, forum_id)
    require_roles(request.user, forum.plan.cluster_id, FORUM.write_roles("attendance"))
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _checkin_page(request, forum, "", error=str(INVALID_CHECKIN), status=400)
    organization_id, stakeholder_id = form.cleaned_data["organization"], form.cleaned_data["stakeholder"]
    query = form.cleaned_data["q"]
    outcome = run_service(request, None, services.attendance_add, forum_id=forum.pk,
                          organization_id=organization_id, stakeholder_id=stakeholder_id)
    if not outcome.ok:
        return _checkin_page(request, forum, query, error=outcome.message, status=409)
    anchor = f"org-{organization_id}" if organization_id else f"person-{stakeholder_id}"
    return _back(forum, query, anchor)


@login_required
@require_POST
def attendance_remove(request: HttpRequest, forum_id: int, attendance_id: int) -> HttpResponse:
    """Undo a check-in (the service refuses once the list is evidence of an adopted agreement)."""
    forum = load_forum(request, forum_id)
    require_roles(request.user, forum.plan.cluster_id, FORUM.write_roles("attendance_remove"))
    row = selectors.attendance_list(forum=forum).filter(pk=attendance_id).first()
    if row is None:
        raise Http404
    query = CheckInForm(request.POST).data.get("q", "")[:100]
    outcome = run_service(request, None, services.attendance_remove, attendance_id=row.pk)
    if not outcome.ok:
        return _checkin_page(request, forum, query, error=outcome.message, status=409)
    anchor = f"org-{row.organization_id}" if row.organization_id else f"person-{row.stakeholder_id}"
    return _back(forum, query, anchor)
