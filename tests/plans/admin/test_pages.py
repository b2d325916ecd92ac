"""The admin opens for each kind of user and shows each only their clusters."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.world import Side

pytestmark = pytest.mark.django_db

CHANGELISTS = (
    "plans_cluster", "plans_organization", "plans_stakeholder", "plans_roleassignment", "plans_plan",
    "plans_phase", "plans_forum", "plans_agreement", "plans_historyevent", "projects_project",
    "projects_milestone", "projects_fundingline", "projects_indicator",
)


@pytest.mark.parametrize("who", ["admin_client", "coordinator_client", "auditor_client"])
def test_every_changelist_and_the_change_pages_open(who: str, request: pytest.FixtureRequest, dairy: Side) -> None:
    client: Client = request.getfixturevalue(who)
    assert client.get(reverse("admin:index")).status_code == 200
    for name in CHANGELISTS:
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
    for name, obj in (("plans_plan", dairy.plan), ("projects_project", dairy.project),
                      ("projects_milestone", dairy.milestone), ("plans_cluster", dairy.cluster)):
        assert client.get(reverse(f"admin:{name}_change", args=[obj.pk])).status_code == 200, name


def test_overdue_filters_list_the_late_milestone_and_its_project(admin_client: Client, dairy: Side) -> None:
    response = admin_client.get(reverse("admin:projects_milestone_changelist"), {"due": "overdue"})
    assert [m.pk for m in response.context["cl"].result_list] == [dairy.milestone.pk]
    response = admin_client.get(reverse("admin:projects_milestone_changelist"), {"due": "soon"})
    assert list(response.context["cl"].result_list) == []
    response = admin_client.get(reverse("admin:projects_project_changelist"), {"overdue": "yes"})
    assert [p.pk for p in response.context["cl"].result_list] == [dairy.project.pk]


def test_coordinator_sees_only_the_clusters_they_coordinate(
    coordinator_client: Client, dairy: Side, fruit: Side
) -> None:
    for name, mine, other in (
        ("plans_plan", dairy.plan, fruit.plan),
        ("projects_project", dairy.project, fruit.project),
        ("projects_milestone", dairy.milestone, fruit.milestone),
        ("plans_cluster", dairy.cluster, fruit.cluster),
    ):
        listed = {o.pk for o in coordinator_client.get(reverse(f"admin:{name}_changelist")).context["cl"].result_list}
        assert listed == {mine.pk}, name
        # Another cluster's object is "not found" for them, read or write.
        response = coordinator_client.get(reverse(f"admin:{name}_change", args=[other.pk]))
        assert response.status_code == 302, name
    events = coordinator_client.get(reverse("admin:plans_historyevent_changelist")).context["cl"].result_list
    assert events and {e.chain_id for e in events} == {dairy.cluster.pk}


def test_coordinator_may_not_create_clusters_or_assign_roles(coordinator_client: Client) -> None:
    assert coordinator_client.get(reverse("admin:plans_cluster_add")).status_code == 403
    assert coordinator_client.get(reverse("admin:plans_roleassignment_add")).status_code == 403


def test_auditor_sees_everything_and_can_change_nothing(auditor_client: Client, dairy: Side, fruit: Side) -> None:
    listed = {p.pk for p in auditor_client.get(reverse("admin:plans_plan_changelist")).context["cl"].result_list}
    assert listed == {dairy.plan.pk, fruit.plan.pk}
    page = auditor_client.get(reverse("admin:plans_plan_change", args=[dairy.plan.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # rendered read-only
    response = auditor_client.post(reverse("admin:plans_plan_change", args=[dairy.plan.pk]), {"title": "Changed"})
    assert response.status_code == 403
    assert auditor_client.get(reverse("admin:plans_plan_add")).status_code == 403
    action = {"action": "complete_today_action", "_selected_action": [dairy.milestone.pk]}
    auditor_client.post(reverse("admin:projects_milestone_changelist"), action)
    dairy.milestone.refresh_from_db()
    assert dairy.milestone.status == "pending"


def test_history_is_read_only_even_for_superusers(admin_client: Client, dairy: Side) -> None:
    from plans.models import HistoryEvent

    event = HistoryEvent.objects.order_by("id").first()
    assert event is not None
    page = admin_client.get(reverse("admin:plans_historyevent_change", args=[event.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.get(reverse("admin:plans_historyevent_add")).status_code == 403
    delete_url = reverse("admin:plans_historyevent_delete", args=[event.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert HistoryEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("changelist", [
    "plans_organization", "plans_plan", "plans_phase", "plans_agreement", "projects_project", "projects_milestone",
])
def test_the_by_cluster_filter_names_only_the_clusters_one_may_see(
    coordinator_client: Client, dairy: Side, fruit: Side, changelist: str,
) -> None:
    page = coordinator_client.get(reverse(f"admin:{changelist}_changelist"))
    assert page.status_code == 200
    assert "Cluster fruit" not in page.content.decode()  # one visible cluster: no filter at all


def test_the_agreement_page_shows_the_tally_in_words_and_folds_the_positions(
    coordinator_client: Client, dairy: Side,
) -> None:
    from plans.models import Agreement, Organization, Position
    from tests.factories import AgreementFactory, OrganizationFactory, PositionFactory

    agreement = AgreementFactory.create(plan=dairy.plan, status=Agreement.Status.ADOPTED,
                                        tally={"agree": 2, "abstain": 0, "disagree": 1, "block": 0, "quorum": 2})
    for n in range(3):
        organization = OrganizationFactory.create(cluster=dairy.cluster, membership=Organization.Membership.FULL)
        PositionFactory.create(agreement=agreement, organization=organization,
                               position=Position.Value.DISAGREE if n == 2 else Position.Value.AGREE)
    page = coordinator_client.get(reverse("admin:plans_agreement_change", args=[agreement.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '"agree": 2' not in html and "{&quot;agree" not in html  # no raw JSON
    assert re.search(r"(Agree|De acuerdo): 2", html) and re.search(r"(Disagree|En desacuerdo): 1", html)
    assert re.search(r'<fieldset class="[^"]*collapse|<details', html)  # the positions are folded
