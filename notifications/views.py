"""Public pages reached by secret token, outside /api/v1/: unsubscribe and the calendar feed.

The unsubscribe address (in every email's footer and its `List-Unsubscribe` header) opens a
page that only reads: it offers to stop every email (POST) or to choose less on the
preferences page. RFC 8058's one-click POST (from mail providers, without a session) is the
same POST, so that view is csrf_exempt with the token as its secret. The other two actions
(resubscribe, open the preferences as that person) are POSTs from the page, with CSRF.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from notifications import ics, selectors
from notifications.models import NotificationProfile
from notifications.services.subscriptions import resubscribe_by_token, unsubscribe
from plans.links import personal_url

TEMPLATE = "notifications/unsubscribe.html"


def _profile(token: str) -> NotificationProfile:
    profile = selectors.profile_by_token(kind="unsubscribe", token=token)
    if profile is None:
        raise Http404
    return profile


def _private(response: HttpResponse) -> HttpResponse:
    """The address carries a secret: never sent to another site as a Referer, never indexed.

    `same-origin`, not `no-referrer`: with no-referrer browsers send `Origin: null` on the
    page's own POSTs, which Django's CSRF check refuses."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _page(request: HttpRequest, profile: NotificationProfile, token: str, **context: object) -> HttpResponse:
    with translation.override(profile.stakeholder.language):
        return _private(render(request, TEMPLATE, {"profile": profile, "token": token, **context}))


@never_cache
@csrf_exempt  # RFC 8058: mail providers POST here without a session; the token is the secret
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    profile = _profile(token)
    if request.method == "POST":
        profile = unsubscribe(token=token) or profile
        return _page(request, profile, token, done=True)
    return _page(request, profile, token)


@never_cache
@require_POST
def unsubscribe_undo(request: HttpRequest, token: str) -> HttpResponse:
    """"Resubscribe" on the page shown after unsubscribing."""
    profile = resubscribe_by_token(token=token) or _profile(token)
    return _page(request, profile, token, resubscribed=True)


@never_cache
@require_POST
def unsubscribe_choose(request: HttpRequest, token: str) -> HttpResponse:
    """"Choose which emails you get": open the preferences page as that person, through a
    personal link minted now (a POST; the link page starts the session and drops the token)."""
    profile = _profile(token)
    if not profile.stakeholder.is_active:
        raise Http404
    url = personal_url(profile.stakeholder_id, reverse("notifications:preferences"))
    return _private(redirect(urlsplit(url).path))


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
