"""The after-commit hook: the named link from a recorded event to whoever consumes it.

`settings.HISTORY_EVENT_CONSUMERS` lists dotted paths of `consumer(event_id: int) -> None`
(config names notifications' enqueue_dispatch there), so the domain never imports its
consumers and no signal hides the link. Consumers run after the recording transaction
commits, in the listed order; one that raises is logged and the others still run (an event
whose consumer failed is found again by that consumer's own recovery, e.g. the outbox sweep).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

Consumer = Callable[[int], None]


@functools.cache
def _load(paths: tuple[str, ...]) -> tuple[tuple[str, Consumer], ...]:
    # Keyed by the setting's value, so override_settings in tests needs no cache clearing.
    return tuple((path, import_string(path)) for path in paths)


def event_consumers() -> tuple[tuple[str, Consumer], ...]:
    """(dotted path, consumer) of each consumer in settings, imported once; none when unset."""
    return _load(tuple(getattr(settings, "HISTORY_EVENT_CONSUMERS", ())))


def run_consumers(event_id: int, consumers: tuple[tuple[str, Consumer], ...]) -> None:
    """Call every consumer with the event id; a failing one does not stop the others."""
    for path, consumer in consumers:
        try:
            consumer(event_id)
        except Exception as exc:
            # One line, not a traceback: a bulk load with a consumer down would print hundreds.
            logger.error("history event consumer %s failed on event %s: %r", path, event_id, exc)


def on_event_recorded(event_id: int) -> None:
    """Schedule the consumers for after the current transaction commits (never on rollback).

    They are resolved now, inside the transaction, so a mistyped path in settings fails the
    write loudly instead of being lost after the commit.
    """
    transaction.on_commit(functools.partial(run_consumers, event_id, event_consumers()))
