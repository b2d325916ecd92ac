"""The embedded default serves itself whole: the pages, the styled admin and the API docs load
every asset from this site (no CDN, no web fonts, no validator badge), and those assets are
served outside production without collectstatic."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse

from tests.world import build_world

URL_ATTRIBUTES = {"src", "href", "action", "srcset", "poster", "data", "formaction", "hx-get", "hx-post"}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "srcset" and value:
                self.urls.extend(part.strip().split(" ")[0] for part in value.split(","))
            elif name in URL_ATTRIBUTES and value:
                self.urls.append(value)
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)


def foreign(urls: list[str]) -> list[str]:
    """URLs that would make the browser reach another host."""
    found = []
    for url in urls:
        parsed = urlparse(url.strip())
        if parsed.scheme in ("", "data", "mailto", "javascript") and not url.strip().startswith("//"):
            continue
        if parsed.hostname not in ("testserver", None):
            found.append(url)
    return found


def assets(html: str) -> tuple[list[str], list[str]]:
    parser = _Links()
    parser.feed(html)
    return parser.urls, parser.inline


@pytest.fixture
def pages(db: Any, settings: Any) -> dict[str, Client]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    people = build_world(contents="plain", slugs=("lacteo", "frutas"))
    return {"anonymous": people.browser(None), "admin": people.browser("admin"),
            "stakeholder": people.browser("stakeholder")}


PAGES = [
    ("anonymous", "/"),
    ("anonymous", "/password-reset/"),
    ("anonymous", "/admin/login/"),
    ("anonymous", "/api/v1/docs/"),
    ("anonymous", "/api/v1/redoc/"),
    ("admin", "/admin/"),
    ("admin", "/portfolio/"),
    ("stakeholder", "/home/"),
]


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_no_page_fetches_anything_from_another_host(pages: dict[str, Client], who: str, path: str) -> None:
    response = pages[who].get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    urls, inline = assets(html)
    assert urls, f"{path}: no asset found at all"
    assert not foreign(urls), f"{path} links to other hosts: {foreign(urls)}"
    # Scripts and styles written into the page fetch nothing from elsewhere either.
    inline_urls = re.findall(r"""(?:url\(|import\s+|fetch\(|["'])(https?://[^"')\s]+)""", "\n".join(inline))
    assert not inline_urls, f"{path} fetches from other hosts in inline code: {inline_urls}"
    # Every asset the page names is served by this site (no collectstatic outside production).
    for url in urls:
        if url.startswith("/static/"):
            assert pages["anonymous"].get(url).status_code == 200, f"{path}: {url} is not served"


def test_swagger_ui_shows_no_validator_badge() -> None:
    from django.conf import settings

    swagger: Any = settings.SPECTACULAR_SETTINGS["SWAGGER_UI_SETTINGS"]
    assert swagger["validatorUrl"] is None


@pytest.mark.parametrize("path", [
    "/static/pmc/site.css",
    "/static/admin/css/base.css",
    "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
    "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
    "/static/django_htmx/htmx-2.min.js",
])
def test_static_files_are_served_without_collectstatic(db: Any, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    assert len(body) > 100


def test_the_sites_stylesheet_imports_nothing_from_elsewhere(db: Any) -> None:
    response = Client().get("/static/pmc/site.css")
    css = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert "@import" not in css
    assert not re.findall(r"url\(\s*['\"]?(?:https?:)?//", css)


def test_production_keeps_the_manifest_storage() -> None:
    import subprocess
    import sys

    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.STORAGES['staticfiles']['BACKEND'], settings.WHITENOISE_USE_FINDERS)"
    )
    env = {"PMC_ENV": "production", "DJANGO_SECRET_KEY": "x" * 60, "DATABASE_URL": "sqlite:///:memory:",
           "DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["whitenoise.storage.CompressedManifestStaticFilesStorage", "False"]


def test_the_front_door_is_at_the_site_root() -> None:
    assert reverse("plans:login") == "/"
