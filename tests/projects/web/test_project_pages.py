"""Project pages: detail, create, edit, status moves and beneficiaries, through the services."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from plans.models import HistoryEvent, Source
from projects.models import Project, ProjectBeneficiary
from tests.factories import ExpenditureFactory, FundingLineFactory, ProjectBeneficiaryFactory

from .pages_world import Pages, new_events, pages, write_controls

__all__ = ["new_events", "pages"]
pytestmark = pytest.mark.django_db

Events = Callable[[], list[HistoryEvent]]


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"projects:{name}", kwargs=kwargs)


def test_the_project_page_shows_status_progress_beneficiaries_money_and_milestones(pages: Pages) -> None:
    project = pages.project_a
    Project.objects.filter(pk=project.pk).update(progress=Decimal("42.50"))
    ProjectBeneficiaryFactory.create(project=project, organization=pages.orgs_a[0])
    line = FundingLineFactory.create(project=project, budget=Decimal("100000.00"), currency="USD")
    ExpenditureFactory.create(funding_line=line, amount=Decimal("25000.00"))
    line.executed = Decimal("25000.00")
    line.save()
    pages.milestone(days=-2, title="Late milestone")
    response = pages.client("stakeholder").get(url("project", project_id=project.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cold chain" in html and 'class="badge status-idea"' in html
    assert 'value="42.50"' in html  # the progress bar
    assert "Dairy farm 0" in html
    for amount in ("100,000.00", "25,000.00", "75,000.00"):  # budget, executed, pending
        assert f"USD\u00a0{amount}" in html
    assert "Late milestone" in html and "overdue" in html
    assert write_controls(html) == []


def test_a_coordinator_sees_one_button_per_allowed_move(pages: Pages) -> None:
    html = pages.client("coordinator").get(url("project", project_id=pages.project_a.pk)).content.decode()
    buttons = list(Project.allowed_targets(Project.Status.IDEA))
    for value in buttons:
        assert f'name="to" value="{value}"' in html
    assert html.count('name="to" value=') == len(buttons)
    assert url("project-edit", project_id=pages.project_a.pk) in html


def test_create_a_project_writes_one_event_from_the_web(pages: Pages, new_events: Events) -> None:
    client = pages.client("coordinator")
    create = url("project-create", plan_id=pages.plan_a.pk)
    assert client.get(create).status_code == 200
    response = client.post(create, {
        "code": "P7", "title": "Milk quality lab", "category": "quality", "good_type": "club",
        "executing_organization": pages.orgs_a[1].pk, "planned_start": "2026-03-01", "planned_end": "2026-12-31",
    })
    project = Project.objects.get(plan=pages.plan_a, code="P7")
    assert response.status_code == 302 and response["Location"] == url("project", project_id=project.pk)
    assert project.executing_organization_id == pages.orgs_a[1].pk and project.good_type == "club"
    events = new_events()
    assert [(e.action, e.object_type, e.source) for e in events] == [("create", "projects.project", Source.WEB)]
    page = client.get(response["Location"]).content.decode()
    assert "Project “P7” created." in page


def test_a_refused_create_keeps_the_input_and_says_why(pages: Pages, new_events: Events) -> None:
    response = pages.client("coordinator").post(url("project-create", plan_id=pages.plan_a.pk), {
        "code": "P1", "title": "A second P1", "category": "training", "good_type": "public",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "already exists in this plan" in html
    assert 'value="A second P1"' in html
    assert new_events() == []


def test_edit_saves_only_what_changed(pages: Pages, new_events: Events) -> None:
    project = pages.project_a
    client = pages.client("coordinator")
    form = client.get(url("project-edit", project_id=project.pk))
    assert form.status_code == 200 and f'name="version" value="{project.version}"' in form.content.decode()
    data = {"version": project.version, "code": "P1", "title": "Cold chain for cheese", "category": "quality",
            "good_type": "public", "priority": "2"}
    response = client.post(url("project-edit", project_id=project.pk), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Cold chain for cheese" and project.priority == 2
    events = new_events()
    assert len(events) == 1 and set(events[0].changes) == {"title", "priority"}
    # The same form again: nothing changes, nothing is written.
    again = client.post(url("project-edit", project_id=project.pk), {**data, "version": project.version})
    assert again.status_code == 302 and len(new_events()) == 1


def test_a_stale_edit_says_so_keeps_the_input_and_shows_the_current_values(pages: Pages, new_events: Events) -> None:
    project = pages.project_a
    old_version = project.version
    Project.objects.filter(pk=project.pk).update(title="Changed meanwhile", version=old_version + 1)
    response = pages.client("coordinator").post(url("project-edit", project_id=project.pk), {
        "version": old_version, "code": "P1", "title": "My title", "category": "quality", "good_type": "public",
    })
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this" in html
    assert 'value="My title"' in html  # the person's input
    assert "Changed meanwhile" in html  # the current values
    assert f'name="version" value="{old_version + 1}"' in html  # sending again is a deliberate overwrite
    assert new_events() == []


def test_moving_a_project_records_one_transition(pages: Pages, new_events: Events) -> None:
    project = pages.project_a
    response = pages.client("coordinator").post(url("project-transition", project_id=project.pk),
                                                {"to": "formulated", "version": project.version})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Project.Status.FORMULATED
    events = new_events()
    assert [(e.action, e.changes["status"]) for e in events] == [("transition", ["idea", "formulated"])]


def test_approval_without_two_beneficiaries_is_refused_in_plain_words(pages: Pages, new_events: Events) -> None:
    project = pages.project_a
    Project.objects.filter(pk=project.pk).update(status=Project.Status.PRIORITISED)
    ProjectBeneficiaryFactory.create(project=project, organization=pages.orgs_a[0])
    client = pages.client("coordinator")
    response = client.post(url("project-transition", project_id=project.pk), {"to": "approved", "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "must benefit at least two member organizations of the cluster (it has 1)" in html
    assert "constraint" not in html.lower()
    assert new_events() == []
    assert 'name="collective_benefit_override"' in html and 'name="confirm_override"' in html
    # The status change's reason is not an override, and an unconfirmed override is not one either.
    with_reason = client.post(url("project-transition", project_id=project.pk),
                              {"to": "approved", "version": 1, "reason": "Pilot for the whole cluster"})
    unconfirmed = client.post(url("project-transition", project_id=project.pk),
                              {"to": "approved", "version": 1, "collective_benefit_override": "Pilot"})
    assert with_reason.status_code == 409 and unconfirmed.status_code == 200
    assert new_events() == []
    approved = client.post(url("project-transition", project_id=project.pk),
                           {"to": "approved", "version": 1, "confirm_override": "on",
                            "collective_benefit_override": "Pilot for the whole cluster"})
    assert approved.status_code == 302
    project.refresh_from_db()
    assert project.status == "approved" and project.collective_benefit_override_reason == "Pilot for the whole cluster"
    assert len(new_events()) == 1


def test_cancelling_needs_a_reason_and_an_illegal_move_is_refused(pages: Pages, new_events: Events) -> None:
    project = pages.project_a
    client = pages.client("coordinator")
    no_reason = client.post(url("project-transition", project_id=project.pk), {"to": "cancelled", "version": 1})
    assert no_reason.status_code == 200
    assert "A reason is required to cancel or suspend a project." in no_reason.content.decode()
    illegal = client.post(url("project-transition", project_id=project.pk), {"to": "completed", "version": 1})
    assert illegal.status_code == 409
    assert new_events() == []
    Project.objects.filter(pk=project.pk).update(version=5)
    stale = client.post(url("project-transition", project_id=project.pk), {"to": "formulated", "version": 1})
    assert stale.status_code == 409 and "Someone else changed this" in stale.content.decode()
    assert 'name="version" value="5"' in stale.content.decode()
    assert new_events() == []


def test_add_and_remove_beneficiaries(pages: Pages, new_events: Events) -> None:
    project = pages.project_a
    client = pages.client("coordinator")
    for org in pages.orgs_a[:2]:
        project.refresh_from_db()
        response = client.post(url("beneficiary-add", project_id=project.pk),
                               {"organization": org.pk, "version": project.version})
        assert response.status_code == 302 and response["Location"].endswith("#beneficiaries")
    assert set(ProjectBeneficiary.objects.filter(project=project).values_list("organization_id", flat=True)) == {
        pages.orgs_a[0].pk, pages.orgs_a[1].pk}
    assert [e.action for e in new_events()] == ["create", "create"]
    page = client.get(url("project", project_id=project.pk)).content.decode()
    remove = url("beneficiary-remove", project_id=project.pk, organization_id=pages.orgs_a[0].pk)
    assert remove in page
    project.refresh_from_db()
    assert client.post(remove, {"version": project.version}).status_code == 302
    assert [e.action for e in new_events()] == ["create", "create", "delete"]
    # Not a beneficiary (any more): not found.
    assert client.post(remove, {"version": project.version}).status_code == 404


def test_a_foreign_organization_cannot_be_added(pages: Pages, new_events: Events) -> None:
    outsider = pages.b.organizations.first()
    assert outsider is not None
    response = pages.client("coordinator").post(url("beneficiary-add", project_id=pages.project_a.pk),
                                                {"organization": outsider.pk, "version": 1})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert new_events() == []


def test_removing_below_two_from_an_approved_project_is_refused(pages: Pages, new_events: Events) -> None:
    project = pages.project_a
    for org in pages.orgs_a[:2]:
        ProjectBeneficiaryFactory.create(project=project, organization=org)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.APPROVED)
    response = pages.client("coordinator").post(
        url("beneficiary-remove", project_id=project.pk, organization_id=pages.orgs_a[0].pk), {"version": 1})
    assert response.status_code == 409
    assert "must keep at least two beneficiary organizations" in response.content.decode()
    assert new_events() == []


WRITES = [
    ("project-create", "plan"), ("project-edit", "project"), ("project-transition", "project"),
    ("beneficiary-add", "project"),
]


@pytest.mark.parametrize("who", ["stakeholder", "auditor"])
@pytest.mark.parametrize(("name", "target"), WRITES)
def test_readers_may_not_write(pages: Pages, new_events: Events, who: str, name: str, target: str) -> None:
    kwargs = {"plan_id": pages.plan_a.pk} if target == "plan" else {"project_id": pages.project_a.pk}
    response = pages.client(who).post(url(name, **kwargs), {"to": "formulated", "organization": pages.orgs_a[0].pk,
                                                             "version": 1, "code": "X", "title": "X",
                                                             "category": "quality"})
    assert response.status_code == 403
    assert new_events() == []


@pytest.mark.parametrize(("name", "target"), WRITES)
def test_another_clusters_ids_are_not_found(pages: Pages, new_events: Events, name: str, target: str) -> None:
    kwargs = {"plan_id": pages.plan_b.pk} if target == "plan" else {"project_id": pages.project_b.pk}
    response = pages.client("coordinator").post(url(name, **kwargs), {"to": "formulated", "version": 1})
    assert response.status_code == 404
    assert pages.client("coordinator").get(url("project", project_id=pages.project_b.pk)).status_code == 404
    assert new_events() == []


def test_anonymous_visitors_are_sent_to_log_in(pages: Pages) -> None:
    response = pages.client(None).get(url("project", project_id=pages.project_a.pk))
    assert response.status_code == 302 and reverse("plans:login") in response["Location"]


def test_forms_carry_csrf_and_labels(pages: Pages) -> None:
    client = pages.client("coordinator")
    client.handler.enforce_csrf_checks = True
    page = client.get(url("project", project_id=pages.project_a.pk)).content.decode()
    assert page.count("csrfmiddlewaretoken") >= page.count('method="post"')
    assert client.post(url("project-transition", project_id=pages.project_a.pk),
                       {"to": "formulated", "version": 1}).status_code == 403  # no token
    form = client.get(url("project-create", plan_id=pages.plan_a.pk)).content.decode()
    for name in ("code", "title", "category", "strategic_line", "planned_start", "priority"):
        assert f'for="id_{name}"' in form


def test_a_stale_beneficiary_form_is_refused_and_rearmed(pages: Pages, new_events: Events) -> None:
    project = pages.project_a
    Project.objects.filter(pk=project.pk).update(version=project.version + 3)
    response = pages.client("coordinator").post(url("beneficiary-add", project_id=project.pk),
                                                {"organization": pages.orgs_a[0].pk, "version": project.version})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this" in html
    assert f'name="version" value="{project.version + 3}"' in html
    assert f'<option value="{pages.orgs_a[0].pk}" selected>' in html  # the choice is kept
    assert new_events() == []


def test_the_project_page_costs_the_same_queries_with_more_rows(pages: Pages) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MilestoneFactory, OrganizationFactory

    project = pages.project_a
    client = pages.client("coordinator")

    def add(n: int, currency: str) -> None:
        for i in range(n):
            org = OrganizationFactory.create(cluster=pages.a)
            ProjectBeneficiaryFactory.create(project=project, organization=org)
            MilestoneFactory.create(project=project, responsible=pages.people_a[i % 2])
        for source in ("programme_grant", "provincial", "private", "other")[:n]:
            FundingLineFactory.create(project=project, source=source, currency=currency)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("project", project_id=project.pk)).status_code == 200
        return len(ctx.captured_queries)

    add(1, "USD")
    small = count()
    add(4, "ARS")
    assert count() == small
