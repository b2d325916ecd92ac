"""Fuzz every operation of the API from its own schema (schemathesis, in-process WSGI).

As the demo coordinator (a real knox token), each operation gets a bounded number of
generated requests, valid and invalid; no response may be a 500 and every response must
match the schema, error bodies included. Logout routes are left out: they would revoke the
token the rest of the run uses.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from knox.models import AuthToken
from rest_framework.renderers import JSONRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import World

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES_PER_OPERATION = 5


def load_schema() -> Any:
    """The schema as /api/v1/schema/ serves it, bound to the WSGI app (requests stay in-process)."""
    document = json.loads(JSONRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()
    return loaded.exclude(path_regex=r"^/api/v1/(auth/logout|docs/|schema/)")


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Requests go straight to the WSGI app, whose end-of-request hook would close the test's
    database connection (and its transaction); keep it open, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def coordinator_token(world: World, in_test_transaction: None) -> str:
    _instance, token = AuthToken.objects.create(world.users["coordinator"], expiry=dt.timedelta(hours=1))
    return token


schema = load_schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=dt.timedelta(seconds=5), database=None,
    phases=[Phase.explicit, Phase.generate], derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_api_never_fails_and_always_matches_its_schema(case: Any, world: World, coordinator_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Token {coordinator_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
