"""A JSON renderer built on orjson: lists of `.values()` rows render without per-field Python.

Output matches DRF's JSONRenderer for the types our rows hold: decimals as strings (the
contract's money format), dates `YYYY-MM-DD`, datetimes ISO 8601 in the current time zone
with offset (as DRF's DateTimeField does), lazy translations as text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from django.utils import timezone
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer

OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            local = timezone.localtime(value)
            # Before standard time a zone's offset is local mean time (-04:20:52 in Tucumán), which
            # RFC 3339 cannot write: such a moment (an as-of centuries back) is written in UTC.
            value = value.astimezone(dt.UTC) if int(local.utcoffset().total_seconds()) % 60 else local  # type: ignore[union-attr]
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Promise | uuid.UUID):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=_default, option=OPTIONS)


class ORJSONRenderer(JSONRenderer):
    """Same media type and negotiation as DRF's JSONRenderer; faster encoding."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        if data is None:
            return b""
        return dumps(data)
