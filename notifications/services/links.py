"""Fresh personal links asked for from the expired-link page (plans/web/links.py)."""

from __future__ import annotations

import secrets

from notifications.kinds import Kind
from plans.models import Stakeholder

from .enqueueing import build_delivery, insert_deliveries
from .recipients import Recipient


def fresh_link_deliveries(*, stakeholder_ids: list[int], path: str | None) -> list[int]:
    """One message per active stakeholder, with a personal link to `path` (their home when
    None). Each request is its own occurrence: the page already limits how often it asks."""
    rows = []
    for person in Stakeholder.objects.filter(pk__in=stakeholder_ids, is_active=True):
        recipient = Recipient(email=person.email, language=person.language, time_zone=person.time_zone,
                              stakeholder_id=person.pk)
        rows.append(build_delivery(
            occurrence=f"{Kind.PERSONAL_LINK}:{secrets.token_hex(8)}", recipient=recipient,
            kind=Kind.PERSONAL_LINK, cluster_id=person.cluster_id, object_type="plans.stakeholder",
            object_id=person.pk, payload={"path": path or ""},
        ))
    return insert_deliveries(rows, precheck=False)
