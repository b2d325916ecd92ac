"""What each kind of message says. Runs under the recipient's language and time zone.

`compose(delivery)` returns a `Content`; rendering.py turns it into a multipart email. Each
subject module (forums, agreements, work, personal) registers a composer per kind with
`@composes(...)`. A Content names pages by path (`page`, `actions`); rendering.py turns each
into the recipient's own link (a personal signed link for a stakeholder, plans/links.py),
because one Content is shared by every recipient of the same event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.kinds import Kind
from notifications.models import Delivery, DigestEntry
from plans.models import Cluster, HistoryEvent, Plan
from plans.validators import one_line


@dataclass(frozen=True)
class Action:
    """A link that names what it does ("Confirm attendance"), to a page of the site (a path)."""

    label: str
    page: str


@dataclass
class Content:
    subject: str
    heading: str
    lines: list[str] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    page: str = ""  # the page the message is about (a path); rendering makes it the recipient's link
    forum: Any = None  # a Forum: attach an .ics invitation for it
    cancel: bool = False
    items: list[Content] = field(default_factory=list)  # digest entries
    link_text: str = ""  # what following `page` does; a generic label when empty
    actions: list[Action] = field(default_factory=list)  # more links, each naming its action
    why: str = ""  # the first line: why this person gets this message and what to do

    def __post_init__(self) -> None:
        self.subject = one_line(self.subject)  # titles may hold line breaks stored before they were refused


# kind -> composer(delivery, event or None, plan or None, cluster)
Composer = Callable[[Delivery, "HistoryEvent | None", "Plan | None", Cluster], Content]
COMPOSERS: dict[str, Composer] = {}


def composes(*kinds: str) -> Callable[[Composer], Composer]:
    def register(fn: Composer) -> Composer:
        for kind in kinds:
            COMPOSERS[kind] = fn
        return fn
    return register


def day(value: dt.date | str | None) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return formats.date_format(value, "DATE_FORMAT") if value else "—"


def moment(value: dt.datetime | str | None) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"


def label(choices: Any, value: Any) -> str:
    return str(dict(choices).get(value, value or "—"))


def change(event: HistoryEvent | None, name: str) -> tuple[Any, Any]:
    pair = ((event.changes if event is not None else None) or {}).get(name)
    return (pair[0], pair[1]) if isinstance(pair, list) and len(pair) == 2 else (None, None)


def reason_lines(event: HistoryEvent | None) -> list[str]:
    return [_("Reason: %(reason)s") % {"reason": event.reason}] if event is not None and event.reason else []


def tag(cluster: Cluster) -> str:
    return f"[{cluster.name}]"


def with_plan(content: Content, kind: str, plan: Plan | None) -> Content:
    """Every message about a plan names it (the phase line and the plan-status heading already do)."""
    if plan is not None and kind not in (Kind.PHASE_STARTED, Kind.PHASE_COMPLETED, Kind.PLAN_STATUS_CHANGED):
        content.details.insert(0, (_("Plan"), str(plan)))
    return content


def compose_event(delivery: Delivery, event: HistoryEvent, plan: Plan | None, cluster: Cluster) -> Content:
    composer = COMPOSERS.get(delivery.kind)
    if composer is None:
        raise ValueError(f"no content for kind {delivery.kind}")
    return composer(delivery, event, plan, cluster)


def _digest(delivery: Delivery, cluster: Cluster) -> Content:
    items = []
    entries = DigestEntry.objects.filter(delivery=delivery).order_by("event_id")
    events = HistoryEvent.objects.in_bulk([e.event_id for e in entries])
    for entry in entries:
        event = events.get(entry.event_id)
        if event is None:
            continue
        proxy = Delivery(kind=entry.kind, cluster=cluster, plan_id=event.plan_id, language=delivery.language,
                         stakeholder_id=delivery.stakeholder_id)
        try:
            item_plan = Plan.objects.filter(pk=event.plan_id or 0).first()
            items.append(with_plan(compose_event(proxy, event, item_plan, cluster), entry.kind, item_plan))
        except (LookupError, ValueError, ObjectDoesNotExist):
            continue  # the object is gone; the digest lists what still exists
    heading = ngettext("%(count)d update", "%(count)d updates", len(items)) % {"count": len(items)}
    why = _("You get this digest because you chose to receive these updates together rather than one by one; "
            "each item links to its page. You can change how often in your preferences.")
    return Content(f"[{cluster.name}] {_('Your digest')}: {heading}", _("Your digest"), items=items, why=why)


def compose(delivery: Delivery) -> Content:
    cluster = delivery.cluster
    plan = Plan.objects.filter(pk=delivery.plan_id).first() if delivery.plan_id else None
    if delivery.kind == Kind.DIGEST:
        return _digest(delivery, cluster)
    composer = COMPOSERS.get(delivery.kind)
    if composer is None:
        raise ValueError(f"no content for kind {delivery.kind}")
    event = HistoryEvent.objects.get(pk=delivery.event_id) if delivery.event_id else None
    return with_plan(composer(delivery, event, plan, cluster), delivery.kind, plan)


# The subject modules register their composers on import.
from . import agreements, forums, personal, work  # noqa: E402, F401
