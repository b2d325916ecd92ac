"""Geometry of the plan page's server-rendered SVG charts (no JavaScript, prints as it shows).

Only numbers come out of here: the templates draw the shapes, write the labels through
gettext and format the amounts for the locale. Every chart also has a table with the same
figures on the page, so nothing is known from the picture alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Money chart: one group of three horizontal bars (budgeted, executed, pending) per source.
LABEL_WIDTH = 190
BAR_AREA = 330
VALUE_GAP = 6
CHART_WIDTH = LABEL_WIDTH + BAR_AREA + 130  # room for the amount written after the longest bar
BAR_HEIGHT = 12
BAR_GAP = 3
GROUP_GAP = 14
TOP = 8
MEASURES = ("budget", "executed", "pending")


@dataclass
class Bar:
    measure: str
    value: Decimal
    x: int
    y: int
    width: int
    height: int = BAR_HEIGHT
    text: str = ""  # the amount as the page writes it (set by the page, in its language)

    @property
    def text_x(self) -> int:
        return self.x + self.width + VALUE_GAP

    @property
    def text_y(self) -> int:
        return self.y + self.height - 2


@dataclass
class Group:
    source: str
    label: Any
    label_y: int
    bars: list[Bar] = field(default_factory=list)


@dataclass
class MoneyChart:
    currency: str
    width: int
    height: int
    groups: list[Group]


def _scaled(value: Decimal, top: Decimal) -> int:
    if top <= 0 or value <= 0:
        return 0
    return max(1, round(float(value / top) * BAR_AREA))  # a non-zero amount stays visible


def money_chart(currency_block: dict[str, Any]) -> MoneyChart:
    """One chart per currency from a `plan_money` block; pending below zero (over budget) draws
    no bar, its amount is still written beside it and in the table."""
    sources = currency_block["sources"]
    top = max((s[m] for s in sources for m in MEASURES), default=Decimal(0))
    groups = []
    y = TOP
    for source in sources:
        group = Group(source=source["source"], label=source["label"], label_y=y + BAR_HEIGHT + BAR_HEIGHT // 2)
        for measure in MEASURES:
            group.bars.append(Bar(measure=measure, value=source[measure], x=LABEL_WIDTH, y=y,
                                  width=_scaled(source[measure], top)))
            y += BAR_HEIGHT + BAR_GAP
        groups.append(group)
        y += GROUP_GAP - BAR_GAP
    return MoneyChart(currency=currency_block["currency"], width=CHART_WIDTH, height=y + TOP - GROUP_GAP,
                      groups=groups)


# Indicator trend: a small line through the last measurements, with the target as a dashed line.
TREND_WIDTH = 120
TREND_HEIGHT = 32
TREND_PAD = 3


@dataclass
class Trend:
    points: str  # SVG polyline "x,y x,y ..."
    last_x: float
    last_y: float
    target_y: float | None
    width: int = TREND_WIDTH
    height: int = TREND_HEIGHT


def trend(values: list[Decimal], target: Decimal | None = None) -> Trend | None:
    """None below two measurements (a single point is no trend; the table shows it)."""
    if len(values) < 2:
        return None
    scale_values = [*values, *([target] if target is not None else [])]
    low, high = min(scale_values), max(scale_values)
    span = float(high - low) or 1.0
    inner_w, inner_h = TREND_WIDTH - 2 * TREND_PAD, TREND_HEIGHT - 2 * TREND_PAD

    def y_of(value: Decimal) -> float:
        return round(TREND_PAD + inner_h - float(value - low) / span * inner_h, 1)

    step = inner_w / (len(values) - 1)
    coords = [(round(TREND_PAD + i * step, 1), y_of(v)) for i, v in enumerate(values)]
    return Trend(
        points=" ".join(f"{x},{y}" for x, y in coords),
        last_x=coords[-1][0], last_y=coords[-1][1],
        target_y=y_of(target) if target is not None else None,
    )
