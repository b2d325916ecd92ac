"""The front door in a real browser: log in, land where the role belongs, switch language,
log out, and the lockout message; every visited page through axe-core with a screenshot."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.django_db(transaction=True)
def test_login_page_is_spanish_accessible_and_light(page: Any, url: Any, check_page: Any,
                                                    transfer_size: Any) -> None:
    size = transfer_size(page, url("/"))
    assert size < 200 * 1024, f"the login page with its assets weighs {size} bytes"
    assert page.locator("html").get_attribute("lang") == "es"
    check_page(page, "login")
