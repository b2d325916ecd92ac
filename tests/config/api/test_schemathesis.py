"""Fuzz every operation of the API from its own schema (schemathesis, in-process WSGI).

As a coordinator (a real knox token), each operation gets a bounded number of generated
requests, valid and invalid; no response may be a 500 and every response must match the
schema, error bodies included. Random ids mostly meet 404s, so each generated request is
sent a second time with its ids pointing at real rows of the coordinator's cluster (and, for
`other`, of another cluster), which reaches the success paths too. Logout routes are left
out: they would revoke the token the rest of the run uses.
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
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from knox.models import AuthToken
from rest_framework.renderers import JSONRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.world import Side, World

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES_PER_OPERATION = 10
# First path segment -> world object whose id replaces `{id}`; body fields -> world object.
PATH_OBJECTS = {
    "plans": "plan", "clusters": "cluster", "organizations": "organization", "stakeholders": "stakeholder",
    "role-assignments": "role_assignment", "strategic-lines": "strategic_line", "phases": "phase",
    "forums": "forum", "agreements": "agreement", "projects": "project", "milestones": "milestone",
    "indicators": "indicator", "subscriptions": "subscription", "reminder-policies": "reminder_policy",
    "deliveries": "delivery",
}
BODY_OBJECTS = {
    "cluster": "cluster", "plan": "plan", "phase": "phase", "forum": "forum", "organization": "organization2",
    "project": "project", "agreement": "adopted_agreement", "stakeholder": "stakeholder",
    "strategic_line": "strategic_line", "responsible": "stakeholder", "executing_organization": "organization",
}


def load_schema() -> Any:
    """The schema as /api/v1/schema/ serves it, bound to the WSGI app (requests stay in-process)."""
    document = json.loads(JSONRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    # The coverage phase would try every boundary of every parameter (hundreds of requests per
    # list route); bounded random generation, valid and invalid, keeps the run to minutes.
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
    loaded = schemathesis.openapi.from_dict(document, config=config)
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
    headers = {"Authorization": f"Token {coordinator_token}"}
    checks = [not_a_server_error, response_schema_conformance]
    generated_id = (case.path_parameters or {}).get("id")
    # Each call in a savepoint: every case meets the same rows, and a statement the database
    # refused (mapped to a 4xx) cannot leave the test's transaction aborted for the next one.
    with transaction.atomic():
        case.call_and_validate(headers=headers, checks=checks)
        transaction.set_rollback(True)
    side = world.side("other" if isinstance(generated_id, int) and generated_id % 7 == 0 else "own")
    if point_at_real_rows(case, side):
        with transaction.atomic():
            case.call_and_validate(headers=headers, checks=checks)
            transaction.set_rollback(True)


def point_at_real_rows(case: Any, side: Side) -> bool:
    """Replace generated integer ids (path and body) with ids of rows that exist."""
    changed = False
    segment = case.path.removeprefix("/api/v1/").split("/")[0]
    params = case.path_parameters or {}
    if isinstance(params.get("id"), int) and segment in PATH_OBJECTS:
        params["id"] = side[PATH_OBJECTS[segment]].pk
        changed = True
    if isinstance(case.body, dict):
        for field, name in BODY_OBJECTS.items():
            if isinstance(case.body.get(field), int) and not isinstance(case.body[field], bool):
                case.body[field] = side[name].pk
                changed = True
    return changed
