"""Public pages reached by secret token, outside /api/v1/: unsubscribe and the calendar feed."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import ics, selectors
from notifications.services.subscriptions import unsubscribe


@csrf_exempt  # RFC 8058: mail providers POST here without a session; the token is the secret
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    profile = selectors.profile_by_token(kind="unsubscribe", token=token)
    if profile is None:
        raise Http404
    with translation.override(profile.stakeholder.language):
        if request.method == "POST":
            unsubscribe(token=token)
            return render(request, "notifications/unsubscribe.html", {"profile": profile, "done": True})
        return render(request, "notifications/unsubscribe.html", {"profile": profile, "done": False})


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    profile = selectors.profile_by_token(kind="calendar", token=token)
    if profile is None or not profile.stakeholder.is_active:
        raise Http404
    stakeholder = profile.stakeholder
    forums, milestones = selectors.calendar_rows(stakeholder)
    body = ics.feed(forums, milestones, name=f"PMC · {stakeholder.cluster.name}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
