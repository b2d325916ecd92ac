"""The plan report in a real browser, as the demo auditor: the current report, the report as of
the day after the 2012 launch forum (from the page's own date field), and its PDF download.
axe-core runs on both pages; locators use ids and field names (the page is in Spanish)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from pypdf import PdfReader

from plans.models import HistoryChainHead, Plan


def test_the_auditor_reads_the_report_as_of_2012_and_downloads_its_pdf(
    page_as: Callable[[str], Any], url: Callable[[str], str], check_page: Callable[[Any, str], Any],
) -> None:
    plan = Plan.objects.get(cluster__slug="lacteo-tucuman")
    head = HistoryChainHead.objects.get(chain_id=plan.cluster_id)
    page = page_as("auditor")

    page.goto(url(f"/plans/{plan.pk}/"))
    page.locator(f".plan-nav a[href='/plans/{plan.pk}/report/']").click()
    page.wait_for_load_state()
    check_page(page, "report-auditor")
    assert f"{head.chain_id}:{head.last_seq}:{head.last_hash}" in page.locator(".report-footer").inner_text()

    page.fill("#as-of", "2012-09-21")
    page.locator(".as-of-form button[type=submit]").click()
    page.wait_for_load_state()
    check_page(page, "report-auditor-as-of-2012")
    assert page.locator(".report-as-of").is_visible()
    assert page.locator("#r-phases ~ table .status-completed").count() == 1  # the launch
    assert page.locator("#r-phases ~ table .status-active").count() == 1  # the diagnosis

    with page.expect_download() as download:
        page.locator(".report-tools a.btn").click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith("-2012-09-21.pdf")
    with open(path, "rb") as handle:
        text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert "Lanzamiento" in text
