"""The navigation of a plan's pages (plan, milestones, calendar, forums, agreements, phases,
notifications): one list, each link shown to whoever holds the roles of what it opens.

Each app registers its own links in its AppConfig.ready() with the roles from its own
permissions.py, so plans never imports projects or notifications (imports flow
notifications -> projects -> plans) and no role is written twice. base.html draws the nav
on every page whose context has a `plan` (a Plan, or the plan page's row with `id` and
`cluster`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

from plans.access import access_for
from plans.permissions import AGREEMENT, FORUM, HISTORY, PHASE
from plans.web.base import may


@dataclass(frozen=True)
class NavLink:
    key: str  # stable name; the page passes `nav_current` to mark itself
    label: Promise
    url_name: str
    roles: frozenset[str]
    by: str = "plan"  # the route's id: "plan" (plan_id), "cluster" (cluster_id) or "site" (none)
    order: int = 100
    everywhere: bool = False  # a "site" link for those holding `roles` in every cluster only


_LINKS: dict[str, NavLink] = {}


def register(*links: NavLink) -> None:
    """Add (or replace, by key: ready() may run twice in tests) links of the plan nav."""
    for link in links:
        _LINKS[link.key] = link


def _ids(plan: Any) -> tuple[int | None, int | None]:
    if isinstance(plan, dict):
        return plan.get("id"), plan.get("cluster")
    return getattr(plan, "pk", None), getattr(plan, "cluster_id", None)


def plan_nav(user: Any, plan: Any, current: str = "", path: str = "") -> list[dict[str, Any]]:
    """The links of the plan nav this user may follow, in order; `current` (or the request
    path) marks the page the person is on."""
    plan_id, cluster_id = _ids(plan)
    if plan_id is None or cluster_id is None:
        return []
    items = []
    for link in _sorted():
        if link.by == "site" or not may(user, cluster_id, link.roles):
            continue
        try:
            url = reverse(link.url_name, args=[plan_id if link.by == "plan" else cluster_id])
        except NoReverseMatch:  # an app not installed: no link
            continue
        items.append({"key": link.key, "label": link.label, "url": url,
                      "current": link.key == current if current else url == path})
    return items


def _sorted() -> list[NavLink]:
    return sorted(_LINKS.values(), key=lambda item: (item.order, item.key))


def site_nav(user: Any, path: str = "") -> list[dict[str, Any]]:
    """The header's links that take no id (portfolio, notifications) this user may follow."""
    access = access_for(user)
    items = []
    for link in _sorted():
        if link.by != "site":
            continue
        clusters = access.cluster_ids(link.roles)  # None: every cluster
        if not (clusters is None if link.everywhere else clusters is None or bool(clusters)):
            continue
        try:
            url = reverse(link.url_name)
        except NoReverseMatch:
            continue
        items.append({"key": link.key, "label": link.label, "url": url, "current": url == path})
    return items


def _register_plans_links() -> None:
    from django.utils.translation import gettext_lazy as _

    register(
        NavLink("forums", _("Forums"), "plans:forum-list", FORUM.read, order=40),
        NavLink("agreements", _("Agreements"), "plans:agreement-list", AGREEMENT.read, order=50),
        NavLink("phases", _("Phases"), "plans:phase-list", PHASE.read, order=60),
        NavLink("history", _("History"), "plans:history", HISTORY.read, order=90),
    )


_register_plans_links()
