"""The pages' template helpers: money with its currency per language, days late, status badges,
progress bars."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from plans.templatetags.pmc import days_late, money, progress_bar, role_label, status_badge


@pytest.mark.parametrize(("language", "amount", "currency", "text"), [
    ("es", Decimal("1234567.5"), "ARS", "$\u00a01.234.567,50"),
    ("es", "2500", "USD", "US$\u00a02.500,00"),
    ("en", Decimal("1234567.5"), "ARS", "ARS\u00a01,234,567.50"),
    ("en", 0, "usd", "USD\u00a00.00"),
    ("es", Decimal("-10"), "ARS", "$\u00a0-10,00"),
    ("en", Decimal("5"), "EUR", "EUR\u00a05.00"),
])
def test_money_is_grouped_with_two_decimals_and_its_currency(language: str, amount: object, currency: str,
                                                              text: str) -> None:
    with translation.override(language):
        assert money(amount, currency) == text


def test_money_of_nothing_is_empty_and_of_garbage_is_left_as_is() -> None:
    assert money(None, "ARS") == ""
    assert money("n/a", "ARS") == "n/a"


def test_days_late_counts_from_the_reference_date() -> None:
    today = dt.date(2026, 12, 1)
    assert days_late(dt.date(2026, 11, 20), today) == 11
    assert days_late(dt.date(2026, 12, 1), today) == 0
    assert days_late(dt.date(2026, 12, 24), today) == 0
    assert days_late(None, today) == 0


def test_status_badge_names_the_status_of_its_kind_and_escapes() -> None:
    with translation.override("en"):
        assert status_badge("in_execution", "plan") == '<span class="badge status-in_execution">in execution</span>'
        assert status_badge("in_progress", "milestone") == '<span class="badge status-in_progress">in progress</span>'
        assert status_badge("prioritised") == '<span class="badge status-prioritised">prioritised</span>'
        assert "&lt;b&gt;" in status_badge("<b>", "plan")
        assert status_badge("", "plan") == ""
    with translation.override("es"):
        assert ">en ejecución<" in status_badge("in_execution", "plan")


def test_progress_bar_is_bounded_and_rounds_down() -> None:
    assert progress_bar(Decimal("99.6"))["whole"] == 99
    assert progress_bar(150)["value"] == Decimal(100)
    assert progress_bar(None)["value"] == Decimal(0)
    html = Template('{% load pmc %}{% progress_bar value "Plan" %}').render(Context({"value": Decimal("37.50")}))
    assert '<progress max="100" value="37.50" aria-label="Plan">' in html
    assert '<span class="progress-text" aria-hidden="true">37 %</span>' in html


def test_role_label_translates_the_role() -> None:
    with translation.override("en"):
        assert role_label("coordinator") == "coordinator"
    with translation.override("es"):
        assert role_label("stakeholder") == "interesado"
    assert role_label("unknown") == "unknown"
