"""The SVG geometry of the plan page's charts (pure: numbers in, coordinates out)."""

from __future__ import annotations

from decimal import Decimal

from projects.web import charts


def block(**sources: tuple[str, str]) -> dict:
    rows = []
    for name, (budget, executed) in sources.items():
        b, e = Decimal(budget), Decimal(executed)
        rows.append({"source": name, "label": name, "budget": b, "executed": e, "pending": b - e})
    return {"currency": "ARS", "sources": rows}


def test_bars_are_proportional_to_the_largest_amount_of_the_currency() -> None:
    chart = charts.money_chart(block(programme_grant=("1000", "250"), private=("500", "0")))

    grant, private = chart.groups
    widths = {bar.measure: bar.width for bar in grant.bars}
    area = charts.BAR_AREA
    assert widths == {"budget": area, "executed": round(area * 0.25), "pending": round(area * 0.75)}
    assert [bar.width for bar in private.bars] == [round(area * 0.5), 0, round(area * 0.5)]
    assert all(bar.x == charts.LABEL_WIDTH for bar in grant.bars)


def test_groups_do_not_overlap_and_fit_in_the_drawing() -> None:
    chart = charts.money_chart(block(a=("1", "1"), b=("2", "1"), c=("3", "1"), d=("4", "1")))

    ys = [bar.y for group in chart.groups for bar in group.bars]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    assert max(ys) + charts.BAR_HEIGHT <= chart.height
    assert all(bar.text_x < chart.width for group in chart.groups for bar in group.bars)


def test_a_tiny_amount_stays_visible_and_over_budget_draws_no_pending_bar() -> None:
    chart = charts.money_chart(block(a=("1000000", "1"), b=("10", "15")))

    a, b = chart.groups
    assert a.bars[1].width == 1  # executed 1 of a million still shows
    assert b.bars[2].value == Decimal("-5") and b.bars[2].width == 0


def test_a_currency_with_no_money_draws_empty_bars() -> None:
    chart = charts.money_chart(block(a=("0", "0")))
    assert [bar.width for bar in chart.groups[0].bars] == [0, 0, 0]


def test_trend_runs_left_to_right_and_higher_values_sit_higher() -> None:
    line = charts.trend([Decimal(1), Decimal(3), Decimal(2)], target=Decimal(4))

    assert line is not None
    points = [tuple(map(float, p.split(","))) for p in line.points.split()]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert xs == sorted(xs) and xs[0] == charts.TREND_PAD and xs[-1] == charts.TREND_WIDTH - charts.TREND_PAD
    assert ys[1] < ys[2] < ys[0]  # SVG y grows downwards
    assert line.target_y is not None and line.target_y < ys[1]  # the target is above every value
    assert (line.last_x, line.last_y) == points[-1]


def test_no_trend_from_fewer_than_two_measurements() -> None:
    assert charts.trend([]) is None
    assert charts.trend([Decimal(5)]) is None


def test_a_flat_series_draws_a_flat_line() -> None:
    line = charts.trend([Decimal(2), Decimal(2)])
    assert line is not None
    assert len({p.split(",")[1] for p in line.points.split()}) == 1
