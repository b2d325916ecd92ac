"""Optimistic concurrency over HTTP: `ETag: "<version>"` out, `If-Match` in.

`If-Match` on a write is parsed early (a malformed or non-matching tag -> 412) and passed to
the service as `expected_version`, which re-checks it under the row lock (`StaleVersion` ->
412, nothing written).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import generics
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from plans.errors import StaleVersion

# Mixins type-check against the view they are mixed into.
if TYPE_CHECKING:
    _ViewBase = generics.GenericAPIView
else:
    _ViewBase = object

_TAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def parse_if_match(header: str | None) -> set[int] | None:
    """If-Match -> the versions it accepts; None when absent or `*`. A tag that is not one of
    ours can never match, so it is a failed precondition (412), not bad input."""
    if header is None or header.strip() in ("", "*"):
        return None
    versions: set[int] = set()
    for part in header.split(","):
        match = _TAG.match(part)
        if not match:
            raise StaleVersion(
                _("The If-Match header does not match any version of this object: %(tag)s"), tag=header[:80]
            )
        versions.add(int(match.group(1)))
    return versions


class VersionedUpdateMixin(_ViewBase):
    """ETag on single-object responses; If-Match -> `expected_version` for services."""

    if_match: set[int] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Parsed after authentication/permissions, before any lookup or write.
        self.if_match = None if request.method in SAFE_METHODS else parse_if_match(request.headers.get("If-Match"))

    def expected_version(self, obj: Any = None) -> int | None:
        """The version the client edited; checks it against `obj` now (412 before any work)."""
        if not self.if_match or (obj is not None and not hasattr(obj, "version")):
            return None
        current = getattr(obj, "version", None)
        if obj is not None and current not in self.if_match:
            raise StaleVersion(expected=min(self.if_match), current=current)
        return current if current in self.if_match else min(self.if_match)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if (
            200 <= response.status_code < 300 and isinstance(data, dict)
            and "version" in data and "results" not in data and not response.has_header("ETag")
        ):
            response["ETag"] = f'"{data["version"]}"'
        return response
