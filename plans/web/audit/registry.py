"""What the workbench knows about each object type of the history, filled in by the apps.

`plans` cannot import projects or notifications (imports flow notifications -> projects ->
plans), so each app names here, in its AppConfig.ready(), the page of its objects and the
fields that hold money (with where their currency is). Object types are the history's
(`"projects.milestone"`); url names are reversed with the object's id, NoReverseMatch
tolerated (an app not installed: no link).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class ObjectPage:
    url_name: str
    by: str = "object"  # the route's id: "object" (the event's object_id) or "plan" (the event's plan_id)


_PAGES: dict[str, ObjectPage] = {}
# object type -> {money field: ORM path to its currency from the object ("currency",
# "funding_line__currency"), or "" when the amount has no currency of its own}
_MONEY: dict[str, dict[str, str]] = {}


def register_object_page(object_type: str, url_name: str, *, by: str = "object") -> None:
    _PAGES[object_type] = ObjectPage(url_name, by)


def register_money(object_type: str, fields: dict[str, str]) -> None:
    _MONEY[object_type] = {**_MONEY.get(object_type, {}), **fields}


def object_url(object_type: str, object_id: int | None, plan_id: int | None = None) -> str:
    """The address of the page that shows the object ("" when it has none)."""
    page = _PAGES.get(object_type)
    key = plan_id if page is not None and page.by == "plan" else object_id
    if page is None or key is None:
        return ""
    try:
        return reverse(page.url_name, args=[key])
    except NoReverseMatch:
        return ""


def money_fields(object_type: str) -> dict[str, str]:
    return _MONEY.get(object_type, {})


def _register_plans_objects() -> None:
    register_object_page("plans.forum", "plans:forum-detail")
    register_object_page("plans.agreement", "plans:agreement-detail")
    register_object_page("plans.phase", "plans:phase-list", by="plan")
    register_money("plans.plan", {"grant_amount": "grant_currency"})


_register_plans_objects()
