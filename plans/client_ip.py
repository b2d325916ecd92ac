"""Who is the client? One answer for the API throttles and the login lockout.

Behind `NUM_PROXIES` trusted reverse proxies (REST_FRAMEWORK setting, from PMC_TRUSTED_PROXIES)
the client is the address the outermost trusted proxy saw, i.e. the N-th entry from the right of
X-Forwarded-For; with 0 (the default) X-Forwarded-For is ignored and the client is REMOTE_ADDR,
since anyone can send that header. This is DRF's own rule for throttling; django-axes is pointed
here (AXES_CLIENT_IP_CALLABLE) so that a lockout and a throttle count the same client.
"""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings


def client_ip(request: Any) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
