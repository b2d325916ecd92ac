"""Funding lines (add, edit) and expenditures (record) from the project's pages."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.models import HistoryEvent
from projects.models import Expenditure, FundingLine
from tests.factories import FundingLineFactory

from .pages_world import Pages, new_events, pages

__all__ = ["new_events", "pages"]
pytestmark = pytest.mark.django_db

Events = Callable[[], list[HistoryEvent]]


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"projects:{name}", kwargs=kwargs)


def test_add_a_funding_line(pages: Pages, new_events: Events) -> None:
    project = pages.project_a
    client = pages.client("coordinator")
    assert client.get(url("funding-line-create", project_id=project.pk)).status_code == 200
    response = client.post(url("funding-line-create", project_id=project.pk), {
        "version": project.version, "source": "provincial", "currency": "ARS", "budget": "250000.50",
        "description": "Counterpart",
    })
    assert response.status_code == 302 and response["Location"].endswith("#funding")
    line = FundingLine.objects.get(project=project)
    assert (line.source, line.currency, line.budget) == ("provincial", "ARS", Decimal("250000.50"))
    assert [(e.action, e.object_type) for e in new_events()] == [("create", "projects.fundingline")]


def test_amounts_may_be_typed_as_spanish_readers_write_them(pages: Pages) -> None:
    client = pages.client("coordinator")
    client.cookies["django_language"] = "es"
    response = client.post(url("funding-line-create", project_id=pages.project_a.pk), {
        "version": pages.project_a.version, "source": "private", "currency": "ARS", "budget": "1.500,75",
    }, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 302
    assert FundingLine.objects.get(project=pages.project_a).budget == Decimal("1500.75")


def test_a_second_line_for_the_same_source_and_currency_is_refused(pages: Pages, new_events: Events) -> None:
    FundingLineFactory.create(project=pages.project_a, source="private", currency="USD")
    response = pages.client("coordinator").post(url("funding-line-create", project_id=pages.project_a.pk), {
        "version": pages.project_a.version, "source": "private", "currency": "USD", "budget": "10",
    })
    assert response.status_code == 200
    assert "already has a funding line for this source and currency" in response.content.decode()
    assert new_events() == []


def test_edit_a_line_below_its_executed_amount_needs_a_reason(pages: Pages, new_events: Events) -> None:
    line = FundingLineFactory.create(project=pages.project_a, budget=Decimal("1000.00"), executed=Decimal("800.00"))
    client = pages.client("coordinator")
    edit = url("funding-line-edit", project_id=pages.project_a.pk, line_id=line.pk)
    form = client.get(edit).content.decode()
    assert f'name="version" value="{line.version}"' in form
    data = {"version": line.version, "source": line.source, "currency": line.currency, "budget": "500.00",
            "description": ""}
    refused = client.post(edit, data)
    assert refused.status_code == 200
    assert "below the 800.00 already executed; give a reason" in refused.content.decode()
    assert 'value="500.00"' in refused.content.decode()
    assert new_events() == []
    saved = client.post(edit, {**data, "reason": "Grant cut by the province"})
    assert saved.status_code == 302
    line.refresh_from_db()
    assert line.budget == Decimal("500.00")
    events = new_events()
    assert len(events) == 1 and events[0].reason == "Grant cut by the province"


def test_a_stale_line_edit_shows_the_current_values(pages: Pages, new_events: Events) -> None:
    line = FundingLineFactory.create(project=pages.project_a, budget=Decimal("1000.00"))
    FundingLine.objects.filter(pk=line.pk).update(budget=Decimal("2000.00"), version=line.version + 1)
    response = pages.client("coordinator").post(
        url("funding-line-edit", project_id=pages.project_a.pk, line_id=line.pk),
        {"version": line.version, "source": line.source, "currency": line.currency, "budget": "1500.00"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this" in html and 'value="1500.00"' in html and "2,000.00" in html
    assert new_events() == []


def test_record_an_expenditure_and_the_over_budget_rule(pages: Pages, new_events: Events) -> None:
    line = FundingLineFactory.create(project=pages.project_a, budget=Decimal("1000.00"))
    client = pages.client("coordinator")
    record = url("expenditure-create", project_id=pages.project_a.pk, line_id=line.pk)
    today = timezone.localdate().isoformat()
    assert client.post(record, {"amount": "600.00", "spent_on": today, "description": "Tank"}).status_code == 302
    line.refresh_from_db()
    assert line.executed == Decimal("600.00")
    over = client.post(record, {"amount": "500.00", "spent_on": today})
    assert over.status_code == 200
    assert "above its budget of 1000.00; a reason is required" in over.content.decode()
    assert 'value="500.00"' in over.content.decode()
    assert client.post(record, {"amount": "500.00", "spent_on": today,
                                "over_budget_reason": "Price rise"}).status_code == 302
    assert Expenditure.objects.filter(funding_line=line).count() == 2
    assert [e.object_type for e in new_events()] == ["projects.expenditure", "projects.expenditure"]
    page = client.get(record).content.decode()
    assert "Price rise" in page and "Tank" in page  # the latest expenditures


@pytest.mark.parametrize("who", ["stakeholder", "auditor"])
def test_readers_may_not_open_or_send_funding_forms(pages: Pages, new_events: Events, who: str) -> None:
    line = FundingLineFactory.create(project=pages.project_a)
    client = pages.client(who)
    for name, kwargs in [
        ("funding-line-create", {"project_id": pages.project_a.pk}),
        ("funding-line-edit", {"project_id": pages.project_a.pk, "line_id": line.pk}),
        ("expenditure-create", {"project_id": pages.project_a.pk, "line_id": line.pk}),
    ]:
        assert client.get(url(name, **kwargs)).status_code == 403
        assert client.post(url(name, **kwargs), {"amount": "1", "spent_on": "2026-01-01", "budget": "1",
                                                 "source": "other", "currency": "ARS"}).status_code == 403
    assert new_events() == []


def test_a_line_of_another_project_or_cluster_is_not_found(pages: Pages) -> None:
    foreign = FundingLineFactory.create(project=pages.project_b)
    client = pages.client("coordinator")
    assert client.get(url("funding-line-edit", project_id=pages.project_a.pk, line_id=foreign.pk)).status_code == 404
    assert client.get(url("expenditure-create", project_id=pages.project_b.pk, line_id=foreign.pk)).status_code == 404


@pytest.mark.parametrize(("language", "typed", "read"), [
    ("es", "1.500,75", "1500.75"), ("es", "1500,75", "1500.75"), ("es", "1500.75", "1500.75"),
    ("es", "1.500", "1500"), ("es", "1.500.000,50", "1500000.50"), ("es", "1\u00a0500,75", "1500.75"),
    ("es", "1.500.75", "1.500.75"), ("en", "1,500.75", "1500.75"), ("en", "1,5", "1,5"),
])
def test_amounts_are_read_as_their_language_writes_them(language: str, typed: str, read: str) -> None:
    from django.utils import translation

    from projects.web.forms import normalize_amount

    with translation.override(language):
        assert normalize_amount(typed) == read


def test_a_line_added_from_a_stale_project_page_is_refused(pages: Pages, new_events: Events) -> None:
    project = pages.project_a
    from projects.models import Project

    Project.objects.filter(pk=project.pk).update(version=project.version + 1)
    response = pages.client("coordinator").post(url("funding-line-create", project_id=project.pk), {
        "version": project.version, "source": "other", "currency": "ARS", "budget": "10",
    })
    assert response.status_code == 409
    assert "Someone else changed this" in response.content.decode()
    assert f'name="version" value="{project.version + 1}"' in response.content.decode()
    assert not FundingLine.objects.filter(project=project).exists() and new_events() == []
