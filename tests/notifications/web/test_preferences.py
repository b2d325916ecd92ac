"""A person's own emails: /me/preferences/, the unsubscribe page, and the history they leave.

Every change is one event on the stakeholder (none when nothing changes); GETs change nothing;
a session acts only for its own stakeholder; the dispatcher honours pause, unsubscribe and the
most specific subscription.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.kinds import IMPORTANT_KINDS, Kind
from notifications.models import Delivery, DigestEntry, Frequency, NotificationProfile, Subscription
from notifications.services import dispatch, sending
from notifications.services.preferences import ScopeChoice, preferences_save
from notifications.services.recipients import ensure_profiles, subscribers
from plans import links
from plans.models import HistoryEvent, Role, Source, Stakeholder
from plans.services.history import Actor
from projects.services.milestones import milestone_complete
from tests.factories import ClusterFactory, RoleAssignmentFactory, StakeholderFactory, UserFactory
from tests.world import World

from .conftest import english, events_since, last_event_id

pytestmark = pytest.mark.django_db

PREFS = "/me/preferences/"


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def opened_by_link(stakeholder: Stakeholder, page: str = PREFS) -> Client:
    """A browser that followed the stakeholder's personal link from an email."""
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    answer = browser.get(path_of(links.personal_url(stakeholder.pk, page)))
    assert answer.status_code == 302 and answer["Location"] == page
    return browser


def form_body(world: World, **values: Any) -> dict[str, Any]:
    """What the page posts when nothing is touched: the current choices, as the form shows them."""
    body: dict[str, Any] = {"language": "en", "time_zone": "America/New_York",
                            f"cluster-{world.cluster.pk}-how": "immediate",
                            f"cluster-{world.cluster.pk}-events": list(IMPORTANT_KINDS),
                            f"plan-{world.plan.pk}-how": "immediate",
                            f"plan-{world.plan.pk}-events": list(IMPORTANT_KINDS)}
    body.update(values)
    return body


def complete_milestone(world: World) -> list[int]:
    milestone_complete(milestone_id=world.milestone.pk, actor=world.coordinator_actor,
                       completed_on=timezone.localdate() - dt.timedelta(days=1), note="Informe entregado")
    event = HistoryEvent.objects.filter(object_type="projects.milestone").order_by("-id")[0]
    return dispatch.dispatch_event(event_id=event.pk)


def stakeholder_events(person: Stakeholder, mark: int) -> list[tuple[str, dict[str, Any]]]:
    return [(e.action, e.changes) for e in events_since(mark)
            if e.object_type == "plans.stakeholder" and e.object_id == person.pk]


# --- The default subscriptions: one event per stakeholder, once ------------------------------

def test_default_subscriptions_record_one_event_per_stakeholder_and_none_the_second_time(world: World) -> None:
    mark = last_event_id()
    assert ensure_profiles(cluster_id=world.cluster.pk) == 3
    events = events_since(mark)
    assert sorted(e.object_id or 0 for e in events) == sorted([world.ana.pk, world.bob.pk, world.coordinator_person.pk])
    assert {e.action for e in events} == {"default_subscription"}
    assert events[0].changes == {f"subscription:cluster:{world.cluster.pk}": [
        None, {"events": sorted(IMPORTANT_KINDS), "frequency": "immediate", "is_active": True}]}
    profile = NotificationProfile.objects.get(stakeholder=world.bob)
    assert profile.unsubscribe_token not in json.dumps([e.changes for e in events])
    mark = last_event_id()
    assert ensure_profiles(cluster_id=world.cluster.pk) == 0
    assert events_since(mark) == []


# --- GETs change nothing ------------------------------------------------------------------

def test_two_gets_of_every_page_change_nothing(world: World) -> None:
    browser = opened_by_link(world.bob)  # minting the link wrote the passwordless account: before the mark
    mark = last_event_id()
    for _twice in range(2):
        assert browser.get(PREFS).status_code == 200
        assert browser.get("/me/").status_code == 200
    assert events_since(mark) == []
    assert not NotificationProfile.objects.filter(stakeholder=world.bob).exists()  # a GET creates no profile
    assert not Subscription.objects.filter(stakeholder=world.bob).exists()


def test_two_gets_of_the_unsubscribe_page_change_nothing(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    token = NotificationProfile.objects.get(stakeholder=world.bob).unsubscribe_token
    mark = last_event_id()
    for _twice in range(2):
        page = Client().get(f"/unsubscribe/{token}")
        assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    assert events_since(mark) == []
    assert NotificationProfile.objects.get(stakeholder=world.bob).unsubscribed_at is None


# --- Each change is one event; none when nothing changes -------------------------------------

def test_one_save_is_one_event_with_every_change_and_a_repeat_writes_none(world: World) -> None:
    actor = Actor(user=world.stakeholder_user, source=Source.WEB)
    mark = last_event_id()
    event = preferences_save(
        stakeholder_id=world.ana.pk, actor=actor, language="en", time_zone="America/New_York", paused=True,
        scopes=[ScopeChoice("plan", world.plan.pk, "weekly", (Kind.MILESTONE_COMPLETED, Kind.FORUM_SCHEDULED))],
    )
    assert event is not None and event.action == "preferences" and event.object_id == world.ana.pk
    assert event.changes == {
        "language": ["es", "en"], "time_zone": ["America/Argentina/Tucuman", "America/New_York"],
        "emails_paused": [False, True],
        f"subscription:plan:{world.plan.pk}": [None, {
            "events": sorted([Kind.MILESTONE_COMPLETED, Kind.FORUM_SCHEDULED]), "frequency": "weekly",
            "is_active": True}],
    }
    # The default subscription came first (ana had no profile), then the one save.
    assert [action for action, _ in stakeholder_events(world.ana, mark)] == ["default_subscription", "preferences"]
    plan_subscription = Subscription.objects.get(stakeholder=world.ana, scope="plan")
    assert (plan_subscription.frequency, plan_subscription.is_active) == ("weekly", True)
    mark = last_event_id()
    again = preferences_save(
        stakeholder_id=world.ana.pk, actor=actor, language="en", time_zone="America/New_York", paused=True,
        scopes=[ScopeChoice("plan", world.plan.pk, "weekly", (Kind.FORUM_SCHEDULED, Kind.MILESTONE_COMPLETED))],
    )
    assert again is None and events_since(mark) == []


def test_a_choice_equal_to_what_applies_creates_no_subscription(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    mark = last_event_id()
    unchanged = preferences_save(
        stakeholder_id=world.bob.pk, actor=world.coordinator_actor,
        scopes=[ScopeChoice("plan", world.plan.pk, "immediate", tuple(IMPORTANT_KINDS))],
    )
    assert unchanged is None and events_since(mark) == []
    assert not Subscription.objects.filter(stakeholder=world.bob, scope="plan").exists()


def test_the_page_switches_the_plan_to_a_weekly_digest_in_one_event(world: World) -> None:
    browser = opened_by_link(world.bob)
    page = browser.get(PREFS)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="plan-{world.plan.pk}-how" value="weekly"' in html and "In a weekly digest" in html
    mark = last_event_id()
    saved = browser.post(PREFS, form_body(world, **{f"plan-{world.plan.pk}-how": "weekly"}))
    assert saved.status_code == 302 and saved["Location"] == PREFS
    events = stakeholder_events(world.bob, mark)
    assert [action for action, _ in events] == ["default_subscription", "preferences"]
    assert events[1][1] == {f"subscription:plan:{world.plan.pk}": [
        None, {"events": sorted(IMPORTANT_KINDS), "frequency": "weekly", "is_active": True}]}
    assert HistoryEvent.objects.get(pk=events_since(mark)[-1].pk).source == Source.EMAIL  # a link session
    assert "Your choices are saved." in browser.get(PREFS).content.decode()
    # Saving the same page again changes nothing, and says so.
    mark = last_event_id()
    repeat = browser.post(PREFS, form_body(world, **{f"plan-{world.plan.pk}-how": "weekly"}), follow=True)
    assert "Nothing changed" in repeat.content.decode() and events_since(mark) == []
    # The next milestone completion reaches bob in his weekly digest, not at once.
    ids = complete_milestone(world)
    assert not Delivery.objects.filter(pk__in=ids, stakeholder=world.bob).exists()
    assert DigestEntry.objects.filter(stakeholder=world.bob, frequency=Frequency.WEEKLY).count() == 1


def test_off_for_the_plan_silences_the_cluster_subscription_for_that_plan(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    preferences_save(stakeholder_id=world.bob.pk, actor=world.coordinator_actor,
                     scopes=[ScopeChoice("plan", world.plan.pk, "off", tuple(IMPORTANT_KINDS))])
    ids = complete_milestone(world)
    assert set(Delivery.objects.filter(pk__in=ids).values_list("stakeholder_id", flat=True)) == {world.ana.pk}
    # Switching back on restores it (the kinds were kept).
    preferences_save(stakeholder_id=world.bob.pk, actor=world.coordinator_actor,
                     scopes=[ScopeChoice("plan", world.plan.pk, "immediate", tuple(IMPORTANT_KINDS))])
    assert Subscription.objects.get(stakeholder=world.bob, scope="plan").is_active


def test_a_paused_person_gets_no_immediate_email_until_they_resume(world: World) -> None:
    browser = english(world.stakeholder_user)  # ana logs in
    assert browser.post(PREFS, form_body(world, language="es", time_zone="America/Argentina/Tucuman",
                                         paused="on")).status_code == 302
    profile = NotificationProfile.objects.get(stakeholder=world.ana)
    assert profile.paused_at is not None
    ids = complete_milestone(world)
    assert set(Delivery.objects.filter(pk__in=ids).values_list("stakeholder_id", flat=True)) == {world.bob.pk}
    # A message queued before the pause is suppressed when its turn comes.
    queued = Delivery.objects.create(dedup_key="before-pause", kind=Kind.MILESTONE_COMPLETED, to_email=world.ana.email,
                                     cluster=world.cluster, stakeholder=world.ana, event_id=None)
    sending.send_batch([queued.pk])
    queued.refresh_from_db()
    assert queued.status == Delivery.Status.SUPPRESSED and not [m for m in mail.outbox if world.ana.email in m.to]
    mark = last_event_id()
    assert browser.post(PREFS, form_body(world, language="es",
                                         time_zone="America/Argentina/Tucuman")).status_code == 302
    assert stakeholder_events(world.ana, mark) == [("preferences", {"emails_paused": [True, False]})]


# --- Unsubscribe, resubscribe, choose less ---------------------------------------------------

def test_unsubscribe_then_resubscribe_restores_the_emails_with_one_event_each(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    token = NotificationProfile.objects.get(stakeholder=world.bob).unsubscribe_token
    mark = last_event_id()
    # RFC 8058: the mail provider POSTs without a session or CSRF token.
    one_click = Client(enforce_csrf_checks=True).post(f"/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and "Resubscribe" in one_click.content.decode()
    assert Client().post(f"/unsubscribe/{token}").status_code == 200  # a second click: no second event
    assert stakeholder_events(world.bob, mark) == [("unsubscribe", {"unsubscribed": [False, True]})]
    [event] = events_since(mark)
    assert (event.source, event.actor_id) == (Source.EMAIL, None) and token not in json.dumps(event.changes)
    assert not Delivery.objects.filter(pk__in=complete_milestone(world), stakeholder=world.bob).exists()

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/unsubscribe/{token}").content.decode()
    csrf = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert browser.post(f"/unsubscribe/{token}/resubscribe").status_code == 403  # the page's form carries CSRF
    mark = last_event_id()
    back = browser.post(f"/unsubscribe/{token}/resubscribe", {"csrfmiddlewaretoken": csrf})
    assert back.status_code == 200 and "Welcome back" in back.content.decode()
    assert stakeholder_events(world.bob, mark) == [("resubscribe", {"unsubscribed": [True, False]})]
    assert NotificationProfile.objects.get(stakeholder=world.bob).unsubscribed_at is None
    # The subscriptions were kept: bob is among those told about the plan's milestones again.
    told = subscribers(cluster_id=world.cluster.pk, plan_id=world.plan.pk, project_id=world.project.pk,
                       kind=Kind.MILESTONE_COMPLETED)
    assert world.bob.pk in {r.stakeholder_id for r in told}


def test_choose_less_opens_the_preferences_as_that_person_by_a_post(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    token = NotificationProfile.objects.get(stakeholder=world.bob).unsubscribe_token
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert browser.get(f"/unsubscribe/{token}/preferences").status_code == 405  # a GET never signs anyone in
    chosen = browser.post(f"/unsubscribe/{token}/preferences")
    assert chosen.status_code == 302 and chosen["Location"].startswith("/l/")
    opened = browser.get(chosen["Location"])
    assert opened.status_code == 302 and opened["Location"] == PREFS
    page = browser.get(PREFS)
    assert page.status_code == 200 and world.bob.email in page.content.decode()


# --- Only one's own: role by role, and another person's link ----------------------------------

def test_another_persons_link_cannot_change_someone_elses_preferences(world: World) -> None:
    ensure_profiles(cluster_id=world.cluster.pk)
    ana_before = list(Subscription.objects.filter(stakeholder=world.ana).values())
    browser = opened_by_link(world.bob)
    # Naming ana (or her cluster) in the POST changes nothing of hers: the session is bob's.
    answer = browser.post(PREFS, form_body(world, stakeholder=world.ana.pk, paused="on",
                                           cluster=world.ana.cluster_id))
    assert answer.status_code == 302
    assert NotificationProfile.objects.get(stakeholder=world.bob).paused_at is not None
    assert NotificationProfile.objects.get(stakeholder=world.ana).paused_at is None
    assert list(Subscription.objects.filter(stakeholder=world.ana).values()) == ana_before
    # A stakeholder of another cluster asking for this cluster's page gets their own.
    elsewhere = StakeholderFactory.create(cluster=ClusterFactory.create(slug="otro"), name="Otra Persona",
                                          email="otra@example.org")
    theirs = opened_by_link(elsewhere).get(f"{PREFS}?cluster={world.cluster.pk}")
    assert theirs.status_code == 200 and "otra@example.org" in theirs.content.decode()
    assert world.bob.email not in theirs.content.decode()


def test_role_by_role(world: World) -> None:
    anonymous = Client()
    assert anonymous.get(PREFS).status_code == 302 and anonymous.post(PREFS, {}).status_code == 302
    admin = english(UserFactory.create(username="root", is_superuser=True, is_staff=True))
    assert "not linked to a stakeholder" in admin.get(PREFS).content.decode()
    assert admin.post(PREFS, {"language": "en"}).status_code == 404
    # The coordinator manages their own emails like anyone (Carla's record).
    coordinator = english(world.coordinator)
    mark = last_event_id()
    assert coordinator.post(PREFS, {"language": "en"}).status_code == 302
    assert stakeholder_events(world.coordinator_person, mark)[-1] == ("preferences", {"language": ["es", "en"]})
    # An auditor with a stakeholder record sees the page and changes nothing.
    auditor_person = StakeholderFactory.create(cluster=world.cluster, name="Auditora", email="aud@example.org",
                                               user=world.auditor)
    auditor = english(world.auditor)
    page = auditor.get(PREFS).content.decode()
    assert "aud@example.org" in page and "Save my choices" not in page and "Switch off my old links" not in page
    mark = last_event_id()
    for route in (PREFS, f"{PREFS}calendar/", f"{PREFS}links/", f"{PREFS}resubscribe/"):
        assert auditor.post(route, {"language": "en", "paused": "on"}).status_code == 403, route
    assert events_since(mark) == [] and not NotificationProfile.objects.filter(stakeholder=auditor_person).exists()


# --- The calendar address and the personal links ---------------------------------------------

def test_a_new_calendar_address_stops_the_old_one_with_one_event_and_no_secret(world: World) -> None:
    browser = opened_by_link(world.bob)
    created = browser.post(f"{PREFS}calendar/")  # bob has no profile yet: his first address
    assert created.status_code == 302
    old = NotificationProfile.objects.get(stakeholder=world.bob).calendar_token
    page = browser.get(PREFS).content.decode()
    assert f"/calendar/{old}.ics" in page and 'data-copy="calendar-url"' in page and "readonly" in page
    assert Client().get(f"/calendar/{old}.ics").status_code == 200
    mark = last_event_id()
    assert browser.post(f"{PREFS}calendar/").status_code == 302
    new = NotificationProfile.objects.get(stakeholder=world.bob).calendar_token
    assert new != old
    assert Client().get(f"/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/calendar/{new}.ics").status_code == 200
    [event] = events_since(mark)
    assert (event.action, event.object_id, event.changes) == ("rotate_calendar_token", world.bob.pk, {})
    recorded = json.dumps([event.changes, event.context, event.object_repr])
    assert old not in recorded and new not in recorded


def test_switching_off_old_links_keeps_this_browser_and_stops_the_others(world: World) -> None:
    old_link = path_of(links.personal_url(world.bob.pk, "/me/"))
    browser = opened_by_link(world.bob)
    other_browser = opened_by_link(world.bob, "/me/")
    mark = last_event_id()
    assert browser.post(f"{PREFS}links/").status_code == 302
    assert [action for action, _ in stakeholder_events(world.bob, mark)] == ["revoke_links"]
    assert browser.get(PREFS).status_code == 200  # still open here
    assert other_browser.get("/me/").status_code == 302  # the other session ended: to the login page
    assert Client().get(old_link).status_code == 410  # the old link: the friendly "no longer works" page


# --- Email: the footer links to the preferences, as the person -------------------------------

def test_emails_say_why_name_their_action_and_link_to_the_preferences(world: World) -> None:
    sending.send_batch(complete_milestone(world))
    message = next(m for m in mail.outbox if world.bob.email in m.to)
    assert message.body.startswith("You get this because you follow the plan")
    assert "See the milestone: http://127.0.0.1:8000/l/" in message.body
    assert "Choose which emails you get: http://127.0.0.1:8000/l/" in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    preferences_link = message.body.split("Choose which emails you get: ", 1)[1].split()[0]
    assert f'href="{preferences_link}"' in html
    opened = Client().get(path_of(preferences_link))
    assert opened.status_code == 302 and opened["Location"] == PREFS


def test_only_stakeholders_home_goes_to_their_own_page(world: World) -> None:
    assert english(world.stakeholder_user).get("/home/")["Location"] == reverse("notifications:me")
    # Someone who also coordinates elsewhere keeps the chooser.
    RoleAssignmentFactory.create(user=world.stakeholder_user, cluster=ClusterFactory.create(slug="otra"),
                                 role=Role.COORDINATOR)
    from plans.access import forget_access

    forget_access(world.stakeholder_user)
    assert english(world.stakeholder_user).get("/home/").status_code == 200
