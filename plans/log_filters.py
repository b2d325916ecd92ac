"""Logging filters, loaded by settings.LOGGING before the apps (so nothing here imports models)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

# The token part of a personal link (plans/links.py): /l/<token>/
TOKEN_PATTERN = re.compile(r"/l/[^/\s?\"]+")


class RedactLinkTokens(logging.Filter):
    """Keeps tokens of personal links out of the logs (request lines of the dev server and
    gunicorn, Django's request warnings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/l/" in record.msg:
            record.msg = TOKEN_PATTERN.sub("/l/[redacted]", record.msg)
        if isinstance(record.args, Mapping):  # gunicorn's access log passes its atoms as a mapping
            record.args = {k: _redact(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact(a) for a in record.args)
        return True


def _redact(value: Any) -> Any:
    return TOKEN_PATTERN.sub("/l/[redacted]", value) if isinstance(value, str) and "/l/" in value else value
