"""Template helpers of the pages: `{% load pmc %}`.

- `{{ amount|money:"ARS" }}` -> "$ 1.234.567,50" (es) / "ARS 1,234,567.50" (en): amounts
  always carry their currency, grouped and with two decimals in the active language.
- `{{ milestone.due_date|days_late }}` -> days past due (0 when not late); an optional
  argument is the reference date (default: today in the site's time zone).
- `{{ value|status_badge:"milestone" }}` -> `<span class="badge status-<value>">label</span>`
  with the label of that kind's status choices (kinds register in plans/web/statuses.py).
- `{{ role|role_label }}` -> the translated name of a cluster role.
- `{% progress_bar value label %}` -> a native `<progress>` with its % as visible text.
- `{% may_write cluster_id as can_write %}` -> whether the user may see write controls.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from plans.models import Role
from plans.web import nav
from plans.web.base import may
from plans.web.statuses import status_label

register = template.Library()

# How each language writes a currency before the amount (Argentine usage in Spanish).
CURRENCY_SIGNS: dict[str, dict[str, str]] = {
    "es": {"ARS": "$", "USD": "US$"},
    "en": {"ARS": "ARS", "USD": "USD"},
}
NBSP = "\u00a0"


@register.filter
def money(amount: Any, currency: str = "ARS") -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    language = (translation.get_language() or "es").split("-")[0]
    code = str(currency or "").upper()
    sign = CURRENCY_SIGNS.get(language, {}).get(code, code)
    text = number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{sign}{NBSP}{text}" if sign else text


@register.filter
def days_late(due: dt.date | None, on: dt.date | None = None) -> int:
    if not due:
        return 0
    if isinstance(due, dt.datetime):
        due = timezone.localdate(due)
    reference = on or timezone.localdate()
    return max(0, (reference - due).days)


@register.filter
def status_badge(value: str | None, kind: str = "") -> SafeString:
    if not value:
        return SafeString("")
    return format_html('<span class="badge status-{}">{}</span>', value, status_label(str(value), kind))


@register.filter
def role_label(value: str) -> str:
    """The translated name of a cluster role ("coordinator" -> "coordinador")."""
    try:
        return str(Role(value).label)
    except ValueError:
        return value


@register.inclusion_tag("pmc/progress.html")
def progress_bar(value: Any, label: str = "") -> dict[str, Any]:
    try:
        number = max(Decimal(0), min(Decimal(100), Decimal(str(value or 0))))
    except InvalidOperation:
        number = Decimal(0)
    # Rounded down: 99.6 % of a plan is not "100 %" done.
    return {"value": number, "whole": int(number.to_integral_value(rounding=ROUND_DOWN)), "label": label}


@register.simple_tag(takes_context=True)
def may_write(context: template.Context, cluster_id: int | None, *roles: str) -> bool:
    """`{% may_write plan.cluster_id as can_write %}`; pass roles to widen (e.g. "stakeholder")."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return False
    return may(user, cluster_id, roles) if roles else may(user, cluster_id)


@register.simple_tag(takes_context=True)
def plan_nav(context: template.Context, plan: Any, current: str = "") -> list[dict[str, Any]]:
    """`{% plan_nav plan as links %}`: the plan nav's links the user may follow (plans/web/nav.py)."""
    request = context.get("request")
    return nav.plan_nav(context.get("user"), plan, current, request.path if request is not None else "")


@register.simple_tag(takes_context=True)
def site_nav(context: template.Context) -> list[dict[str, Any]]:
    """`{% site_nav as links %}`: the header's links (portfolio, notifications) for this user."""
    request = context.get("request")
    return nav.site_nav(context.get("user"), request.path if request is not None else "")
