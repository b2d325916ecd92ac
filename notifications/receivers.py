"""The one link from the domain to notifications: a receiver of `event_committed`."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def on_event_committed(sender: Any, event_id: int, **kwargs: Any) -> None:
    """Enqueue the dispatch; if the broker is down, log it: the outbox sweep dispatches later."""
    from notifications.tasks import dispatch_event

    try:
        dispatch_event.delay(event_id)
    except Exception as exc:
        # One line, not a traceback: a bulk load with the broker down would print hundreds.
        logger.warning("could not enqueue dispatch of event %s (%s); the sweep will pick it up", event_id, exc)
