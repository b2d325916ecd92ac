"""Real responses of the projects endpoints (with data in every state) match the OpenAPI schema.

schemathesis fuzzing rarely reaches existing rows; here each read is called on a populated
plan and its response validated against /api/v1/schema/ (required fields, types, nullability).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken
from rest_framework.renderers import JSONRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from plans.models import Phase
from tests.factories import (
    ForumFactory,
    FundingLineFactory,
    IndicatorFactory,
    MeasurementFactory,
    MilestoneFactory,
    MilestoneUpdateFactory,
    ProjectBeneficiaryFactory,
    ProjectFactory,
)
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_test_connection() -> Any:
    """Calls go through the WSGI handler, whose request signals would close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def schema() -> Any:
    document = json.loads(JSONRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()
    return loaded


def test_populated_reads_match_the_schema(world: World, schema: Any) -> None:
    plan = world.own["plan"]
    phase = Phase.objects.create(plan=plan, order=1, kind="launch", title="Lanzamiento", status="active")
    ForumFactory.create(phase=phase)
    project = ProjectFactory.create(plan=plan, planned_start=dt.date(2013, 1, 1), priority=2)
    FundingLineFactory.create(project=project)
    ProjectBeneficiaryFactory.create(project=project)
    done = MilestoneFactory.create(project=project, status="completed", completed_on=timezone.localdate())
    MilestoneFactory.create(project=project, due_date=dt.date(2012, 1, 1), baseline_due_date=dt.date(2012, 1, 1))
    MilestoneUpdateFactory.create(milestone=done)
    indicator = IndicatorFactory.create(plan=plan, project=project)
    MeasurementFactory.create(indicator=indicator)
    _, token = AuthToken.objects.create(world.users["coordinator"], expiry=dt.timedelta(hours=1))
    reads: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("/api/v1/projects/", {}, {"plan": plan.pk}),
        ("/api/v1/projects/{id}/", {"id": project.pk}, {}),
        ("/api/v1/milestones/", {}, {"plan": plan.pk, "overdue": "true"}),
        ("/api/v1/milestones/{id}/", {"id": done.pk}, {}),
        ("/api/v1/milestones/{id}/updates/", {"id": done.pk}, {}),
        ("/api/v1/indicators/", {}, {}),
        ("/api/v1/indicators/{id}/", {"id": indicator.pk}, {}),
        ("/api/v1/indicators/{id}/measurements/", {"id": indicator.pk}, {}),
        ("/api/v1/plans/{id}/dashboard/", {"id": plan.pk}, {}),
        ("/api/v1/plans/{id}/dashboard/", {"id": plan.pk}, {"as_of": timezone.now().isoformat()}),
    ]
    for path, params, query in reads:
        case = schema[path]["GET"].Case(path_parameters=params, query=query)
        response = case.call_and_validate(
            headers={"Authorization": f"Token {token}"}, checks=[not_a_server_error, response_schema_conformance]
        )
        assert response.status_code == 200, (path, query)
