"""After the database drops a persistent connection (a restart), the next request reconnects.

Without CONN_HEALTH_CHECKS the first request of each web worker after a PostgreSQL restart
answered 500. The request goes through Django's real WSGI handler (the test client switches off
the per-request connection housekeeping), and the server side of our connection is killed with
pg_terminate_backend, as a restart would.
"""

from __future__ import annotations

import io
import json
from typing import Any

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def _post_login() -> tuple[str, dict[str, Any]]:
    body = json.dumps({"username": "nobody", "password": "wrong"}).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/auth/token/", "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(), "HTTP_HOST": "testserver",
    }
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = status
        return lambda data: None

    b"".join(WSGIHandler()(environ, start_response))
    return captured["status"], captured


def test_the_first_request_after_the_connection_was_killed_succeeds(on_postgres: None, settings: Any) -> None:
    assert django_settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert django_settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(
        host=params.get("host") or "127.0.0.1", port=params.get("port") or 5432, user=params.get("user"),
        dbname="postgres", autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    status, _ = _post_login()
    assert status.startswith("400"), status  # wrong credentials, answered: not a 500
