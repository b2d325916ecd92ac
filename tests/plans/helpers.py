"""Arrange helpers for the plans service tests: an event spy and quick member organizations."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from plans.models import HistoryEvent, Organization
from tests.factories import OrganizationFactory


class NewEvents:
    """Collects the history events appended inside the `with` block."""

    def __enter__(self) -> NewEvents:
        self.start = HistoryEvent.objects.aggregate(m=Max("id"))["m"] or 0
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    @property
    def events(self) -> list[HistoryEvent]:
        return list(HistoryEvent.objects.filter(id__gt=self.start).order_by("id"))

    def one(self) -> HistoryEvent:
        events = self.events
        assert len(events) == 1, [str(e) for e in events]
        return events[0]


def members(cluster_id: int, n: int, **fields: Any) -> list[Organization]:
    return [OrganizationFactory.create(cluster_id=cluster_id, **fields) for _ in range(n)]
