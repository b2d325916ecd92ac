"""The time the history records: now, or, while a command replays a story that happened
earlier (the demo's 2012 forums, an import of an existing plan), the moment it says.

`recorded_at(moment)` sets that moment for every event recorded inside it and for the dates
the services stamp on rows (a phase's actual start and end, an agreement's decision time,
a plan's approval), so a row and its event tell the same date. `record_event` honours it
only under two conditions, checked at each event:

- the actor is a command (`Source.COMMAND`): no page, API call or task writes the past;
- the moment is not earlier than the chain's last event, nor later than now: each chain's
  positions stay in time order, which the as-of view relies on when it replays a plan's
  events by position up to a moment (the verifier checks links, not times).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_MOMENT: ContextVar[dt.datetime | None] = ContextVar("pmc_history_moment", default=None)


@contextmanager
def recorded_at(moment: dt.datetime) -> Iterator[None]:
    """Record what happens inside as having happened at `moment` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("recorded_at needs an aware datetime")
    token = _MOMENT.set(moment)
    try:
        yield
    finally:
        _MOMENT.reset(token)


def replayed_moment() -> dt.datetime | None:
    """The moment set by `recorded_at`, or None outside it."""
    return _MOMENT.get()


def now() -> dt.datetime:
    """The moment being recorded: `recorded_at`'s, or the current time."""
    return _MOMENT.get() or timezone.now()


def localdate() -> dt.date:
    """`now()` as a date in the site's time zone (as `timezone.localdate()`)."""
    return timezone.localdate(now())
