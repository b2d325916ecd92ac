"""Daily and weekly digests, sent at 07:00 in each recipient's zone (weekly: on Mondays)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from notifications.kinds import Kind
from notifications.models import DigestEntry, Frequency

from .enqueueing import build_delivery, insert_deliveries
from .recipients import Recipient
from .reminders import due_days, stamp, zone


@transaction.atomic
def digests(*, now: dt.datetime) -> list[int]:
    waiting = (
        DigestEntry.objects.filter(delivery__isnull=True, stakeholder__is_active=True)
        .values_list("stakeholder_id", "frequency", "stakeholder__email", "stakeholder__language",
                     "stakeholder__time_zone", "stakeholder__cluster_id")
        .distinct()
    )
    ids: list[int] = []
    for sid, frequency, email, language, tz_name, cluster_id in waiting:
        tz = zone(tz_name)
        for day, at in due_days(now, tz):
            if frequency == Frequency.WEEKLY and day.weekday() != 0:
                continue
            entries = DigestEntry.objects.filter(
                stakeholder_id=sid, frequency=frequency, delivery__isnull=True, created_at__lt=at
            )
            if not entries.exists():
                continue
            person = Recipient(email=email, language=language, time_zone=tz_name, stakeholder_id=sid)
            new_ids = insert_deliveries([build_delivery(
                occurrence=f"{Kind.DIGEST}:{frequency}:{stamp(at)}", recipient=person, kind=Kind.DIGEST,
                cluster_id=cluster_id, scheduled_for=at, payload={"frequency": frequency},
            )])
            if new_ids:
                entries.update(delivery_id=new_ids[0])
                ids += new_ids
    return ids

