"""Opening a personal link, and what a person sees when theirs no longer works.

GET /l/<token>/ reads only (a mail scanner opening it changes nothing): a good link starts a
session for the stakeholder (plans/links.py) and redirects to its page. An expired or
revoked one shows a page offering, by POST, to email a fresh link to the address on file; an
altered one, a form asking for the address. Both answers say the same whether or not the
address is known, and both are rate-limited per client and per person.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plans import links, selectors
from plans.client_ip import client_ip

# At most this many fresh-link requests per hour from one client, and emails to one person.
PER_CLIENT_PER_HOUR = 10
PER_PERSON_PER_HOUR = 3


class FreshLinkForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), max_length=254)


def _no_referrer(response: HttpResponse) -> HttpResponse:
    """No `Referer` carries a token to another site. A page with a form keeps `same-origin`:
    under `no-referrer` Chromium posts the form with `Origin: null`, which the CSRF check refuses."""
    response["Referrer-Policy"] = "same-origin" if response.status_code != 302 else "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        opened = links.read_token(token)
    except links.LinkRefused as refusal:
        return _no_referrer(_refused(request, refusal.reason, token))
    if request.user.is_authenticated and request.user.pk == opened.stakeholder.user_id:
        return _no_referrer(redirect(opened.path))  # already signed in as this person, with their roles
    if request.user.is_authenticated:
        links.end_session(request)  # someone else was signed in on this browser
    links.start_session(request, opened)
    return _no_referrer(redirect(opened.path))


def _refused(request: HttpRequest, reason: str, token: str = "", status: int | None = None) -> HttpResponse:
    signed_by_us = reason in ("expired", "revoked")
    context = {
        "reason": reason, "token": token if signed_by_us else "",
        "form": None if signed_by_us else FreshLinkForm(), "days": settings.PMC_LINK_MAX_AGE_DAYS,
    }
    return render(request, "plans/link_refused.html", context, status=status or (410 if signed_by_us else 400))


def _allowed(bucket: str, limit: int) -> bool:
    key = f"pmc:fresh-link:{bucket}"
    cache.add(key, 0, 3600)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 3600)
        return True


def _send(stakeholder_ids: list[int], path: str | None) -> None:
    ids = [pk for pk in stakeholder_ids if _allowed(f"person:{pk}", PER_PERSON_PER_HOUR)]
    if ids:
        sender = import_string(settings.PMC_FRESH_LINK_SENDER)
        transaction.on_commit(lambda: sender(stakeholder_ids=ids, path=path))


@never_cache
@require_POST
def fresh_link(request: HttpRequest) -> HttpResponse:
    """POST: email a fresh link, to the address on file (from an expired link) or to the address
    given (the form), and answer the same page whatever happened."""
    if not _allowed(f"client:{client_ip(request)}", PER_CLIENT_PER_HOUR):
        return _no_referrer(render(request, "plans/link_sent.html", {"throttled": True}, status=429))
    token = request.POST.get("token", "")
    if token:
        try:
            data = signing.TimestampSigner(salt=links.SALT).unsign_object(token)  # any age: it was ours
        except (signing.BadSignature, ValueError, TypeError):
            return _no_referrer(_refused(request, "invalid"))
        stakeholder_id = data.get("s") if isinstance(data, dict) else None
        if isinstance(stakeholder_id, int):
            try:
                path: str | None = links.local_path(data.get("p"))
            except links.LinkRefused:
                path = None
            _send(selectors.active_stakeholder_ids(pk=stakeholder_id), path)
    else:
        form = FreshLinkForm(request.POST)
        if not form.is_valid():
            return _no_referrer(render(request, "plans/link_refused.html", {"reason": "invalid", "form": form},
                                       status=400))
        email = form.cleaned_data["email"]
        _send(selectors.active_stakeholder_ids(email=email), None)
    return _no_referrer(render(request, "plans/link_sent.html", {"throttled": False}))


@require_http_methods(["POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """End a session opened by a personal link (a shared phone at a forum)."""
    links.end_session(request)
    return render(request, "plans/link_signed_out.html")
