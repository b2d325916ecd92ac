"""A personal link that no longer works, in a real browser: the page asking for a fresh link
posts its form (CSRF with the page's referrer policy) and answers the same whatever the address."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.slow


def test_an_altered_link_offers_a_fresh_one_and_the_form_posts(demo: None, new_page: Any, url: Any,
                                                                 check_page: Any) -> None:
    page = new_page(viewport={"width": 360, "height": 740})
    response = page.goto(url("/l/not-a-real-token/"))
    assert response is not None and response.status == 400
    assert response.headers.get("referrer-policy") == "same-origin"
    check_page(page, "link-refused-phone")
    page.locator("#id_email").fill("someone@example.org")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() in ("Revise su correo", "Check your email")
    check_page(page, "link-sent-phone")
