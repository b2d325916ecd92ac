"""The body of `GET /api/v1/forums/{id}/ics/`: the forum built by plans.calendar, METHOD:PUBLISH."""

from __future__ import annotations

from plans.calendar import forum_calendar

__all__ = ["forum_calendar"]
