"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright's Python package.

Never a browser download: Playwright launches the system binary through `executable_path`.
Without the binary or the package the tests skip with the reason (in CI, with CI=true, that
is a failure, as for Redis and SMTP). They run in the SQLite pass only (see
`pytest_collection_modifyitems`): one pass is enough to test pages in a browser, and the
pages' database behaviour is covered by the view tests on both databases.

Fixtures:
- `browser`: one Chromium for the package (headless, no network of its own).
- `demo`: the demo data (`load_demo`), logins admin, coordinator, coordinator-fruit,
  stakeholder, auditor.
- `page`: a fresh anonymous page (Spanish, 1280x900); `new_page(locale=..., viewport=...)`;
  `page_as("coordinator", locale="es-AR")`: a page logged in as a demo user (session cookie
  made server-side: no login form round trip); `mobile_page_as(...)`: the same at 360x740
  with touch. Spanish text comes from the catalogue, regenerated separately: assert English
  (locale="en-US") or find elements by id/role.
- `url(path)`: the live server's address of a path.
- `check_page(page, name)`: runs axe-core on the page (serious or critical violations fail,
  with the rule ids and elements) and writes var/screenshots/<name>.png.
- `transfer_size(page, path)`: bytes transferred (encoded bodies + headers) to load a page
  with its assets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
BROWSER_DIR = Path(__file__).resolve().parent
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        return
    browser_items = [item for item in items if BROWSER_DIR in Path(str(item.path)).parents]
    if browser_items:
        config.hook.pytest_deselected(items=browser_items)
        items[:] = [item for item in items if item not in browser_items]


def _axe_source() -> str:
    """axe-core's script, as bundled (pinned) by the axe-playwright-python package."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    require(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the environment
        require(False, "the playwright package is not installed (pip install -r requirements-dev.txt)")
        raise
    # Playwright's sync API keeps an event loop running in this thread; Django refuses ORM
    # calls under a running loop unless told it is safe (it is: tests are synchronous).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


_DEMO_SNAPSHOT: dict[str, Any] = {}


@pytest.fixture
def demo(transactional_db: Any, settings: Any) -> None:
    """The demo clusters, plans, projects and users, as `make run` loads them.

    `load_demo` takes seconds; on SQLite's in-memory test database (the live server shares
    its connection) the loaded database is copied once with SQLite's backup API and copied
    back for each later test, which takes milliseconds."""
    import sqlite3

    from django.core.management import call_command
    from django.db import connection

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    in_memory = connection.vendor == "sqlite" and bool(getattr(connection, "is_in_memory_db", bool)())
    if in_memory and "db" in _DEMO_SNAPSHOT:
        connection.ensure_connection()
        _DEMO_SNAPSHOT["db"].backup(connection.connection)
        return
    call_command("load_demo", verbosity=0)
    if in_memory:
        snapshot = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(snapshot)
        _DEMO_SNAPSHOT["db"] = snapshot


@pytest.fixture
def url(live_server: Any) -> Callable[[str], str]:
    def build(path: str) -> str:
        return live_server.url + path

    return build


def _new_context(browser: Any, viewport: dict[str, int], locale: str = "es-AR", **options: Any) -> Any:
    # Spanish by default, as the programme's people read it (the browser's language picks the
    # page's). Tests that assert text pass locale="en-US" (English, as the view tests assert)
    # or find elements by id/role; the Spanish catalogue is regenerated separately.
    return browser.new_context(viewport=viewport, locale=locale, timezone_id="America/Argentina/Tucuman",
                               **options)


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


@pytest.fixture
def page(browser: Any, contexts: list[Any]) -> Any:
    """An anonymous desktop page in Spanish; `new_page(locale="en-US")` for another one."""
    context = _new_context(browser, DESKTOP)
    contexts.append(context)
    return context.new_page()


@pytest.fixture
def new_page(browser: Any, contexts: list[Any]) -> Callable[..., Any]:
    def open_page(locale: str = "es-AR", viewport: dict[str, int] | None = None) -> Any:
        context = _new_context(browser, viewport or DESKTOP, locale)
        contexts.append(context)
        return context.new_page()

    return open_page


def _logged_in_page(browser: Any, contexts: list[Any], live_server: Any, username: str,
                    viewport: dict[str, int], locale: str = "es-AR", **options: Any) -> Any:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model()._default_manager.get(username=username)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = _new_context(browser, viewport, locale, **options)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    contexts.append(context)
    return context.new_page()


@pytest.fixture
def page_as(browser: Any, contexts: list[Any], live_server: Any, demo: None) -> Callable[[str], Any]:
    """`page_as("coordinator")`: a desktop page logged in as that demo user (locale="en-US" too)."""

    def open_as(username: str, locale: str = "es-AR") -> Any:
        return _logged_in_page(browser, contexts, live_server, username, DESKTOP, locale)

    return open_as


@pytest.fixture
def mobile_page_as(browser: Any, contexts: list[Any], live_server: Any, demo: None) -> Callable[[str], Any]:
    """`mobile_page_as("coordinator")`: a 360 px wide touch page logged in as that demo user."""

    def open_as(username: str, locale: str = "es-AR") -> Any:
        return _logged_in_page(browser, contexts, live_server, username, PHONE, locale, has_touch=True,
                               is_mobile=True)

    return open_as


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the current page (all impacts)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> tag: the site's CSP
        # (script-src 'self') refuses inline scripts, and the pages must keep it on.
        page.evaluate(_axe_source())
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return list(result["violations"])


def check_page(page: Any, name: str) -> list[dict[str, Any]]:
    """axe-core on the page: fail on serious/critical violations; always write the screenshot."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError(f"screenshot name {name!r}: use lowercase letters, digits, - and _")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    violations = run_axe(page)
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            for v in blocking
        ]
        pytest.fail(f"axe-core on {name} ({page.url}):\n" + "\n".join(lines))
    return violations


@pytest.fixture(name="check_page")
def check_page_fixture() -> Callable[[Any, str], list[dict[str, Any]]]:
    return check_page


def transfer_size(page: Any, address: str) -> int:
    """Load `address` in `page` and add up what went over the wire (encoded bodies + headers)."""
    requests: list[Any] = []

    def finished(request: Any) -> None:
        requests.append(request)

    page.on("requestfinished", finished)
    page.goto(address, wait_until="load")
    page.remove_listener("requestfinished", finished)
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total


@pytest.fixture(name="transfer_size")
def transfer_size_fixture() -> Callable[[Any, str], int]:
    return transfer_size
