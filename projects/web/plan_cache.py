"""The live plan page's content, rendered once per change of the plan's cluster.

A coordinator's plan page is read far more often than the plan changes. Its content (the
header and the sections: phases, milestones, lines, money, indicators, consensus, history) is
kept in the cache under a key naming everything it depends on:

- the hash of the cluster's last history event: every change, made in the app or caught at the
  database and sealed, appends an event and moves it (one history event per change);
- the day (what is overdue or due soon), the language and the time zone;
- what the reader may do (write controls, "new project");

and for `PMC_PLAN_PAGE_CACHE_SECONDS` at most (60 in production, off elsewhere), which bounds
what no event names: the next forum once its start has passed, a change made outside the app
before it is sealed. The reader's CSRF token is not cached: the content carries a placeholder,
replaced per request. The page as of a moment, and any request with a query string, are
rendered afresh (`cacheable`).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.safestring import SafeString

PREFIX = "pmc:plan-page:v1"
logger = logging.getLogger(__name__)


def ttl() -> int:
    default = 60 if getattr(settings, "PMC_ENV", "") == "production" else 0
    return int(getattr(settings, "PMC_PLAN_PAGE_CACHE_SECONDS", default))


def cacheable(request: HttpRequest) -> bool:
    return ttl() > 0 and not request.GET


def key(row: dict[str, Any], *, flags: tuple[bool, ...]) -> str:
    day = timezone.localdate().isoformat()
    marks = "".join("1" if flag else "0" for flag in flags)
    return (f"{PREFIX}:{row['id']}:{row['history_head']}:{day}:{translation.get_language()}:"
            f"{timezone.get_current_timezone_name()}:{marks}")


def content(cache_key: str, render: Callable[[str], dict[str, Any]], csrf_token: str) -> dict[str, SafeString]:
    """The cached parts, or `render(placeholder)`'s, stored; the placeholder becomes the token."""
    stored, now = _cached(cache_key), time.time()
    if stored is None or stored["until"] <= now:  # the expiry is kept too: the backend's clock may differ
        placeholder = f"csrf-{secrets.token_hex(16)}"  # never in a row's text: it is new each render
        parts = {name: str(html) for name, html in render(placeholder).items()}
        stored = {"placeholder": placeholder, "parts": parts, "until": now + ttl()}
        try:
            cache.set(cache_key, stored, ttl())
        except Exception:  # the cache is an optimisation: a page still answers while it is down
            logger.warning("plan page cache unavailable for a write", exc_info=True)
    placeholder = stored["placeholder"]
    return {name: _with_token(html, placeholder, csrf_token) for name, html in stored["parts"].items()}


def _cached(cache_key: str) -> dict[str, Any] | None:
    try:
        return cache.get(cache_key)  # type: ignore[no-any-return]
    except Exception:  # Redis restarting, say: render afresh rather than fail the page
        logger.warning("plan page cache unavailable for a read", exc_info=True)
        return None


def _with_token(html: str, placeholder: str, token: str) -> SafeString:
    # The parts were rendered by our templates (every value escaped); the token is [A-Za-z0-9].
    return SafeString(html.replace(placeholder, token))  # nosec B703
