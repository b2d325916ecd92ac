"""Every response carries one Content-Security-Policy: scripts only from this site, nothing
from another host, no framing (issue 12 item 10)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PATHS = ["/", "/admin/login/", "/api/v1/docs/", "/api/v1/redoc/", "/api/v1/schema/", "/api/v1/plans/",
         "/l/not-a-token/"]


def directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("path", PATHS)
def test_every_response_has_the_policy(path: str) -> None:
    response = Client().get(path)
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert not any("http" in source for sources in policy.values() for source in sources)


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/", "/admin/login/", "/"])
def test_no_page_needs_an_inline_script(path: str) -> None:
    html = Client().get(path).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts or path == "/"  # the docs pages do load their scripts
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip(), f"inline script on {path}"


def test_the_swagger_starter_script_is_served_from_this_site() -> None:
    html = Client().get("/api/v1/docs/").content.decode()
    starter = [src for src in re.findall(r'<script src="([^"]+)"', html) if "script" in src]
    assert starter, html
    response = Client().get(starter[0].replace("&amp;", "&"))
    assert response.status_code == 200 and b"SwaggerUIBundle" in response.content
