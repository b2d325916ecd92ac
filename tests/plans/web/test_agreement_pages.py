"""Agreement pages: list, detail with a readable tally, open, record positions, close."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import Agreement, Forum, Position
from tests.factories import AgreementFactory, ForumAttendanceFactory, ForumFactory, PositionFactory
from tests.plans.helpers import NewEvents
from tests.plans.web.forum_world import World, add_members, build_world, open_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


def test_detail_shows_text_rule_and_the_tally_so_far_as_a_table(world: World) -> None:
    agreement = open_agreement(world)
    tambo, usina, inta = world.organizations
    PositionFactory.create(agreement=agreement, organization=tambo, position=Position.Value.AGREE)
    PositionFactory.create(agreement=agreement, organization=usina, position=Position.Value.AGREE)
    PositionFactory.create(agreement=agreement, organization=inta, position=Position.Value.BLOCK)
    html = world.client("stakeholder").get(reverse("plans:agreement-detail", args=[agreement.pk])).content.decode()
    assert "Encuesta a productores." in html
    assert "consent (quorum, no block, more agree than disagree)" in html
    assert "Tally so far" in html
    assert '<th scope="row">Agree</th><td>2</td>' in html
    assert '<th scope="row">Block</th><td>1</td>' in html
    assert "Tambo La Esperanza, Usina Láctea del Norte" in html
    assert "would be rejected" in html  # a block rejects, says the consent rule
    main = html.split("<main", 1)[1]
    assert '{"' not in main and "member_positions" not in main


def test_coordinator_records_a_position_with_one_event_and_a_second_replaces_it(world: World) -> None:
    agreement = open_agreement(world)
    url = reverse("plans:position-record", args=[agreement.pk])
    client = world.client("coordinator")
    tambo = world.organizations[0]
    with NewEvents() as new:
        response = client.post(url, {"organization": tambo.pk, "position": "disagree", "comment": ""})
    assert response.status_code == 302
    assert new.one().action == "position"
    with NewEvents() as new:
        client.post(url, {"organization": tambo.pk, "position": "agree", "comment": "Revisado"})
    assert new.one().action == "position"
    position = Position.objects.get(agreement=agreement, organization=tambo)
    assert (position.position, position.comment) == ("agree", "Revisado")


def test_position_for_a_non_member_is_a_form_error_and_writes_nothing(world: World) -> None:
    agreement = open_agreement(world)
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:position-record", args=[agreement.pk]),
            {"organization": world.other_organization.pk, "position": "agree"},
        )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert new.events == []


def test_close_adopts_under_consent_and_shows_the_stored_tally(world: World) -> None:
    agreement = open_agreement(world, quorum_percent=50)
    tambo, usina, _inta = world.organizations
    PositionFactory.create(agreement=agreement, organization=tambo, position=Position.Value.AGREE)
    PositionFactory.create(agreement=agreement, organization=usina, position=Position.Value.ABSTAIN)
    client = world.client("coordinator")
    with NewEvents() as new:
        response = client.post(reverse("plans:agreement-close", args=[agreement.pk]), {"version": agreement.version})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ADOPTED
    assert new.one().action == "transition"
    html = client.get(reverse("plans:agreement-detail", args=[agreement.pk])).content.decode()
    assert "Tally stored when the agreement was decided" in html
    assert '<th scope="row">Abstain</th><td>1</td>' in html
    assert "Quorum reached" in html and "1 positions (50% of full members)" in html
    assert reverse("plans:agreement-close", args=[agreement.pk]) not in html  # decided: no more actions


def test_close_by_forum_consensus_before_the_forum_is_held_is_refused_plainly(world: World) -> None:
    agreement = open_agreement(world, rule=Agreement.Rule.FORUM_CONSENSUS, forum=world.forum)
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:agreement-close", args=[agreement.pk]), {"version": agreement.version}
        )
    assert response.status_code == 409
    assert "needs the forum held and its minutes recorded first" in response.content.decode()
    assert new.events == []


def test_forum_consensus_tally_shows_the_attendance(world: World) -> None:
    held = ForumFactory.create(phase=world.phase, status=Forum.Status.HELD, minutes="Acta",
                               starts_at=timezone.now() - dt.timedelta(days=1))
    ForumAttendanceFactory.create(forum=held, organization=world.organizations[0])
    ForumAttendanceFactory.create(forum=held, organization=world.organizations[1])
    agreement = open_agreement(world, rule=Agreement.Rule.FORUM_CONSENSUS, forum=held)
    client = world.client("coordinator")
    client.post(reverse("plans:agreement-close", args=[agreement.pk]), {"version": agreement.version})
    html = client.get(reverse("plans:agreement-detail", args=[agreement.pk])).content.decode()
    assert "Decided by the forum" in html
    assert "<dt>Organizations present</dt><dd>2</dd>" in html


def test_stale_close_says_someone_changed_it(world: World) -> None:
    agreement = open_agreement(world)
    Agreement.objects.filter(pk=agreement.pk).update(version=agreement.version + 1)
    response = world.client("coordinator").post(
        reverse("plans:agreement-close", args=[agreement.pk]), {"version": agreement.version}
    )
    assert response.status_code == 409
    assert "Someone else changed this" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OPEN


def test_open_an_agreement_at_a_forum(world: World) -> None:
    client = world.client("coordinator")
    url = reverse("plans:agreement-create", args=[world.plan.pk])
    page = client.get(f"{url}?forum={world.forum.pk}").content.decode()
    assert f'<option value="{world.forum.pk}" selected>' in page
    with NewEvents() as new:
        response = client.post(url, {"title": "Priorizar proyectos", "text": "", "subject": "prioritise_projects",
                                     "rule": "consent", "quorum_percent": "60", "forum": world.forum.pk, "phase": ""})
    agreement = Agreement.objects.get(title="Priorizar proyectos")
    assert response.status_code == 302
    assert (agreement.forum, agreement.phase, agreement.quorum_percent) == (world.forum, world.phase, 60)
    assert new.one().action == "create"


def test_forum_consensus_without_a_forum_is_refused_on_the_form(world: World) -> None:
    response = world.client("coordinator").post(
        reverse("plans:agreement-create", args=[world.plan.pk]),
        {"title": "Sin foro", "subject": "other", "rule": "forum_consensus", "quorum_percent": "50"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "An agreement by forum consensus needs the forum that took it." in html
    assert 'value="Sin foro"' in html
    assert not Agreement.objects.filter(title="Sin foro").exists()


@pytest.mark.parametrize("role", ["stakeholder", "auditor"])
def test_readers_see_agreements_without_write_controls_and_cannot_post(world: World, role: str) -> None:
    agreement = open_agreement(world)
    client = world.client(role)
    html = client.get(reverse("plans:agreement-detail", args=[agreement.pk])).content.decode()
    assert reverse("plans:position-record", args=[agreement.pk]) not in html
    assert reverse("plans:agreement-close", args=[agreement.pk]) not in html
    list_html = client.get(reverse("plans:agreement-list", args=[world.plan.pk])).content.decode()
    assert reverse("plans:agreement-create", args=[world.plan.pk]) not in list_html
    assert client.post(reverse("plans:position-record", args=[agreement.pk]),
                       {"organization": world.organizations[0].pk, "position": "agree"}).status_code == 403
    assert client.post(reverse("plans:agreement-close", args=[agreement.pk]),
                       {"version": agreement.version}).status_code == 403
    assert client.get(reverse("plans:agreement-create", args=[world.plan.pk])).status_code == 403
    assert not Position.objects.exists()


def test_other_clusters_agreement_is_404(world: World) -> None:
    foreign = AgreementFactory.create(plan=world.other_plan)
    client = world.client("coordinator")
    assert client.get(reverse("plans:agreement-detail", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("plans:agreement-close", args=[foreign.pk]), {"version": 1}).status_code == 404
    assert client.get(reverse("plans:agreement-list", args=[world.other_plan.pk])).status_code == 404


def test_list_filters_by_forum(world: World) -> None:
    at_forum = open_agreement(world, forum=world.forum)
    online = AgreementFactory.create(plan=world.plan, title="Acuerdo en línea")
    url = reverse("plans:agreement-list", args=[world.plan.pk])
    html = world.client("auditor").get(f"{url}?forum={world.forum.pk}").content.decode()
    assert at_forum.title in html and online.title not in html
    for junk in ("abc", "\u0661", "9" * 40):  # not an id: the whole list, never an error
        html = world.client("auditor").get(url, {"forum": junk}).content.decode()
        assert at_forum.title in html and online.title in html


def test_agreement_pages_query_counts_are_flat(world: World) -> None:
    agreement = open_agreement(world)
    client = world.client("coordinator")
    list_url = reverse("plans:agreement-list", args=[world.plan.pk])
    detail_url = reverse("plans:agreement-detail", args=[agreement.pk])
    client.get(list_url)
    with CaptureQueriesContext(connection) as small_list:
        client.get(list_url)
    with CaptureQueriesContext(connection) as small_detail:
        client.get(detail_url)
    for organization in add_members(world.cluster, 12, people_each=0):
        PositionFactory.create(agreement=agreement, organization=organization)
    for _ in range(6):
        AgreementFactory.create(plan=world.plan, forum=world.forum)
    with CaptureQueriesContext(connection) as large_list:
        client.get(list_url)
    with CaptureQueriesContext(connection) as large_detail:
        client.get(detail_url)
    assert (len(large_list), len(large_detail)) == (len(small_list), len(small_detail))


def _held_forum_below_quorum(world: World) -> Forum:
    """A held forum with minutes that only the adherent INTA and one person attended: none of
    the cluster's two full members, below the plan's attendance quorum."""
    held = ForumFactory.create(phase=world.phase, status=Forum.Status.HELD, minutes="Acta",
                               starts_at=timezone.now() - dt.timedelta(days=1))
    ForumAttendanceFactory.create(forum=held, organization=world.organizations[2])
    ForumAttendanceFactory.create(forum=held, organization=None, stakeholder=world.people[2])
    return held


def test_close_form_explains_the_forum_quorum_and_offers_the_override_only_for_forum_consensus(
    world: World,
) -> None:
    by_forum = open_agreement(world, rule=Agreement.Rule.FORUM_CONSENSUS, forum=_held_forum_below_quorum(world))
    by_consent = AgreementFactory.create(plan=world.plan, title="Por consentimiento")
    client = world.client("coordinator")
    html = client.get(reverse("plans:agreement-detail", args=[by_forum.pk])).content.decode()
    assert 'name="attendance_override_reason"' in html
    assert "0 of the cluster's 2 full member organizations were present" in html
    assert "needs 1 (50%)" in html and "The quorum is not reached" in html
    consent_html = client.get(reverse("plans:agreement-detail", args=[by_consent.pk])).content.decode()
    assert reverse("plans:agreement-close", args=[by_consent.pk]) in consent_html
    assert 'name="attendance_override_reason"' not in consent_html
    assert "Attendance quorum of the forum" not in consent_html


def test_close_by_forum_below_its_quorum_is_refused_without_a_reason(world: World) -> None:
    agreement = open_agreement(world, rule=Agreement.Rule.FORUM_CONSENSUS, forum=_held_forum_below_quorum(world))
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:agreement-close", args=[agreement.pk]),
            {"version": agreement.version, "attendance_override_reason": "  "},
        )
    html = unescape(response.content.decode())
    assert response.status_code == 409
    assert "Only 0 of the cluster's 2 full member organizations attended the forum" in html
    assert 'name="attendance_override_reason"' in html  # the form is back, to give a reason
    assert new.events == []
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OPEN


def test_close_by_forum_below_its_quorum_with_a_reason_records_the_override(world: World) -> None:
    agreement = open_agreement(world, rule=Agreement.Rule.FORUM_CONSENSUS, forum=_held_forum_below_quorum(world))
    reason = "Los tambos avisaron por nota que adhieren"
    client = world.client("coordinator")
    with NewEvents() as new:
        response = client.post(reverse("plans:agreement-close", args=[agreement.pk]),
                               {"version": agreement.version, "attendance_override_reason": reason})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ADOPTED
    assert agreement.tally["attendance_override"] == reason and agreement.tally["attendance_reached"] is False
    event = new.one()
    assert event.action == "transition" and event.reason == reason


def test_a_stakeholder_records_their_own_organizations_position_and_only_that(world: World) -> None:
    agreement = open_agreement(world)
    tambo, usina, _inta = world.organizations
    rosa = world.people[0]  # a person of Tambo La Esperanza
    rosa.user = world.users["stakeholder"]
    rosa.save()
    client = world.client("stakeholder")
    html = client.get(reverse("plans:agreement-detail", args=[agreement.pk])).content.decode()
    form = html.split('id="position-h"', 1)[1]
    assert "Record your organization" in form
    assert f'value="{tambo.pk}"' in form and f'value="{usina.pk}"' not in form  # offered: their own only
    assert reverse("plans:agreement-close", args=[agreement.pk]) not in html
    url = reverse("plans:position-record", args=[agreement.pk])
    assert client.post(url, {"organization": usina.pk, "position": "block"}).status_code == 403  # the service
    assert client.post(url, {"organization": tambo.pk, "position": "agree"}).status_code == 302
    position = Position.objects.get(agreement=agreement)
    assert (position.organization, position.position, position.recorded_by) == (tambo, "agree", rosa)
