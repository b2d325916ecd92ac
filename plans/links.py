"""Personal signed links: how a stakeholder opens a page from an email without a password.

A link is `/l/<token>/`. The token is Django's signing (TimestampSigner, salt below) of the
stakeholder's id, a fingerprint of their key (plans.models.PersonalLinkKey) and the page's
path, so it names one person and one page, cannot be altered, expires after
`PMC_LINK_MAX_AGE_DAYS` and stops working when the key is replaced (links_revoke).

Opening it (plans/web/links.py) only reads: it stores the stakeholder in the session and
redirects to the page, so the token leaves the address bar at once (never in a `Referer`)
and the logs show `/l/...` redacted (plans/log_filters.py). Mail scanners that open
every link change nothing: every action on the pages is a POST with CSRF.

`LinkSessionMiddleware` then makes the request act as the stakeholder's user with only the
stakeholder role in that stakeholder's cluster (never staff, admin or coordinator rights,
even when the same user holds them after a real login), re-checking the key on every request
so a revocation ends open sessions too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from plans.access import Access
from plans.models import Role, Stakeholder

SALT = "pmc.personal-link"
SESSION_KEY = "pmc_link"


class LinkRefused(Exception):
    """Why a link does not open: "expired", "revoked" or "invalid" (altered or unknown)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OpenedLink:
    stakeholder: Stakeholder
    path: str


def fingerprint(key: str) -> str:
    """What a token carries of the key: enough to notice a replaced key, useless to forge one."""
    return hashlib.sha256(f"{SALT}:{key}".encode()).hexdigest()[:16]


def max_age_seconds() -> int:
    return int(settings.PMC_LINK_MAX_AGE_DAYS) * 86400


def make_token(stakeholder: Stakeholder, key: str, path: str) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object({"s": stakeholder.pk, "k": fingerprint(key), "p": path})


def personal_url(stakeholder_id: int, path: str) -> str:
    """The absolute personal link to `path` (a page of this site) for the stakeholder.

    Creates the stakeholder's passwordless user and key on first use, so call it where writing
    is allowed (building an email in the worker, a POST), never while answering a GET."""
    return personal_links(stakeholder_id)(path)


def personal_links(stakeholder_id: int) -> Callable[[str], str]:
    """`personal_url` for many paths of one stakeholder: the account and key are read (or
    created) once, as an email with several links needs."""
    from plans.services.links import link_account

    stakeholder, key = link_account(stakeholder_id)

    def url(path: str) -> str:
        return f"{settings.SITE_URL}{reverse('plans:link', args=[make_token(stakeholder, key, path)])}"

    return url


def local_path(path: Any) -> str:
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        raise LinkRefused("invalid")
    if not url_has_allowed_host_and_scheme(path, allowed_hosts=None):
        raise LinkRefused("invalid")
    return path


def read_token(token: str) -> OpenedLink:
    """The stakeholder and page a token names, or LinkRefused."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age_seconds())
    except signing.SignatureExpired as exc:
        raise LinkRefused("expired") from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LinkRefused("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise LinkRefused("invalid")
    path = local_path(data.get("p"))
    stakeholder = _active_stakeholder(data["s"])
    if stakeholder is None:
        raise LinkRefused("revoked")
    if fingerprint(stakeholder.link_key.key) != data.get("k"):
        raise LinkRefused("revoked")
    return OpenedLink(stakeholder=stakeholder, path=path)


def _active_stakeholder(stakeholder_id: int) -> Stakeholder | None:
    return (
        Stakeholder.objects.select_related("user", "link_key", "cluster")
        .filter(pk=stakeholder_id, is_active=True, user__isnull=False, user__is_active=True,
                link_key__isnull=False)
        .first()
    )


def start_session(request: HttpRequest, opened: OpenedLink) -> None:
    """Remember the stakeholder for this browser (a fresh session: no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"s": opened.stakeholder.pk, "k": fingerprint(opened.stakeholder.link_key.key)}


def end_session(request: HttpRequest) -> None:
    request.session.flush()


def act_as_stakeholder(request: HttpRequest, stakeholder: Stakeholder) -> None:
    """Make the request the stakeholder's user, holding only the stakeholder role there."""
    user = stakeholder.user
    assert user is not None  # noqa: S101 - _active_stakeholder filters users out
    user.is_staff = False  # in memory only, never saved: the admin refuses a link session
    user.is_superuser = False
    user._pmc_access = Access(by_cluster={stakeholder.cluster_id: {Role.STAKEHOLDER}})  # type: ignore[attr-defined]
    user._pmc_link_stakeholder = stakeholder  # type: ignore[attr-defined]
    request.user = user
    request.link_stakeholder = stakeholder  # type: ignore[attr-defined]


def link_stakeholder(request: HttpRequest) -> Stakeholder | None:
    """The stakeholder whose link opened this session, if it was one."""
    return getattr(request, "link_stakeholder", None)


class LinkSessionMiddleware:
    """After AuthenticationMiddleware: a session opened by a personal link acts as that
    stakeholder, if the key is still the one the link was signed with."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.link_stakeholder = None  # type: ignore[attr-defined]
        data = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if isinstance(data, dict) and not request.user.is_authenticated:
            stakeholder_id = data.get("s")
            stakeholder = _active_stakeholder(stakeholder_id) if isinstance(stakeholder_id, int) else None
            if stakeholder is None or fingerprint(stakeholder.link_key.key) != data.get("k"):
                request.session.pop(SESSION_KEY, None)
            else:
                act_as_stakeholder(request, stakeholder)
                if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                    translation.activate(stakeholder.language)
                    request.LANGUAGE_CODE = stakeholder.language
        return self.get_response(request)
