"""Over the API the collective-benefit override is its own field: the transition's reason is not one."""

from __future__ import annotations

import pytest

from plans.models import HistoryEvent
from projects.models import Project
from tests.factories import OrganizationFactory, ProjectBeneficiaryFactory, ProjectFactory
from tests.world import World

pytestmark = pytest.mark.django_db


def test_approval_needs_the_override_field_not_a_reason(world: World) -> None:
    plan = world.own["plan"]
    project = ProjectFactory.create(plan=plan, code="ONE-1", status=Project.Status.PRIORITISED)
    ProjectBeneficiaryFactory.create(project=project, organization=OrganizationFactory.create(cluster=plan.cluster))
    client = world.client("coordinator")
    path = f"/api/v1/projects/{project.pk}/transition/"
    refused = client.post(path, {"to": "approved", "reason": "forum III"}, format="json")
    assert refused.status_code == 409
    assert "collective_benefit_override" in refused.json()["errors"]
    approved = client.post(path, {"to": "approved", "reason": "forum III",
                                  "collective_benefit_override": "The only cold chain lab in the province"},
                           format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["collective_benefit_override_reason"] == "The only cold chain lab in the province"
    event = HistoryEvent.objects.filter(object_type="projects.project", object_id=project.pk).latest("id")
    assert event.context["collective_benefit_override"] is True and event.reason == "forum III"
