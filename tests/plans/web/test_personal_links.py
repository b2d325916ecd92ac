"""Personal signed links: a stakeholder opens a page from an email without a password."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
import time_machine
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from notifications.kinds import Kind
from notifications.models import Delivery
from plans import links
from plans.log_filters import RedactLinkTokens
from plans.models import HistoryEvent, PersonalLinkKey, Position, Stakeholder
from plans.services.history import Actor
from plans.services.links import link_account, links_revoke
from tests.factories import StakeholderFactory
from tests.world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()  # the fresh-link rate limits count in the cache


@pytest.fixture
def world(settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


@pytest.fixture
def producer(world: World) -> Stakeholder:
    """A stakeholder with no user account: the email is all they have."""
    return StakeholderFactory.create(cluster=world.own.cluster, organization=world.own["organization"],
                                     name="Rosa Producer", email="rosa@tambo.example", language="es")


def without_csrf(body: bytes) -> bytes:
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    return re.sub(rb'"X-CSRFToken": "[^"]+"', b"", body)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_the_first_link_creates_a_passwordless_account_once_with_one_event(producer: Stakeholder) -> None:
    before = HistoryEvent.objects.filter(object_type="plans.stakeholder", object_id=producer.pk).count()
    url = links.personal_url(producer.pk, "/home/")
    links.personal_url(producer.pk, "/home/")
    producer.refresh_from_db()
    assert producer.user is not None
    assert not producer.user.has_usable_password()
    assert not producer.user.is_staff
    assert producer.user.username == "rosa@tambo.example"
    events = HistoryEvent.objects.filter(object_type="plans.stakeholder", object_id=producer.pk)
    assert events.count() == before + 1
    assert "/l/" in url and url.startswith("http")


def test_a_link_opens_its_page_as_that_stakeholder_and_only_with_the_stakeholder_role(
    world: World, producer: Stakeholder,
) -> None:
    forum = world.own["forum"]
    client = Client()
    response = client.get(path_of(links.personal_url(producer.pk, f"/forums/{forum.pk}/")))
    assert response.status_code == 302
    assert response["Location"] == f"/forums/{forum.pk}/"
    assert response["Referrer-Policy"] == "no-referrer"
    page = client.get(f"/forums/{forum.pk}/")
    assert page.status_code == 200
    assert page.wsgi_request.user.pk == Stakeholder.objects.get(pk=producer.pk).user_id
    # Only what a stakeholder may do: no coordinator page, no admin, no other cluster.
    assert client.get(f"/forums/{forum.pk}/edit/").status_code == 403
    assert client.get("/admin/").status_code == 302
    assert client.get(f"/forums/{world.other['forum'].pk}/").status_code == 404


def test_the_page_speaks_the_stakeholders_language(world: World, producer: Stakeholder) -> None:
    Stakeholder.objects.filter(pk=producer.pk).update(language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.get(path_of(links.personal_url(producer.pk, f"/forums/{world.own['forum'].pk}/")))
    page = client.get(f"/forums/{world.own['forum'].pk}/")
    assert page["Content-Language"] == "en"


def test_a_coordinators_own_stakeholder_link_grants_no_coordinator_rights(world: World) -> None:
    coordinator = world.users["coordinator"]
    own = StakeholderFactory.create(cluster=world.own.cluster, organization=world.own["organization"],
                                    user=coordinator, email="coord@example.org")
    coordinator.is_staff = True
    coordinator.save()
    client = Client()
    client.get(path_of(links.personal_url(own.pk, "/home/")))
    forum = world.own["forum"]
    assert client.get(f"/forums/{forum.pk}/edit/").status_code == 403
    assert client.get("/admin/").status_code == 302  # the admin's login: not staff through a link
    coordinator.refresh_from_db()
    assert coordinator.is_staff  # nothing was saved on the account


def test_two_gets_of_a_link_change_nothing(world: World, producer: Stakeholder) -> None:
    url = path_of(links.personal_url(producer.pk, f"/agreements/{world.own['agreement'].pk}/"))
    events, positions = HistoryEvent.objects.count(), Position.objects.count()
    scanner, person = Client(), Client()
    assert scanner.get(url).status_code == 302
    assert person.get(url).status_code == 302
    assert person.get(f"/agreements/{world.own['agreement'].pk}/").status_code == 200
    assert (HistoryEvent.objects.count(), Position.objects.count()) == (events, positions)


def test_an_expired_link_shows_the_friendly_page_with_a_fresh_link_button(producer: Stakeholder, settings: Any) -> None:
    settings.PMC_LINK_MAX_AGE_DAYS = 30
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        url = path_of(links.personal_url(producer.pk, "/home/"))
    with time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC), tick=False):
        response = Client().get(url)
    assert response.status_code == 410
    assert b"Email me a new link" in response.content or b"nuevo enlace" in response.content
    assert b'name="token"' in response.content


def test_revoking_ends_every_link_and_every_open_session(world: World, producer: Stakeholder) -> None:
    url = path_of(links.personal_url(producer.pk, "/home/"))
    client = Client()
    client.get(url)
    assert client.get("/me/").status_code == 200  # the stakeholder's own home (/home/ sends them there)
    links_revoke(stakeholder_id=producer.pk, actor=Actor(world.users["coordinator"], "web"))
    assert client.get("/me/").status_code == 302  # to the front door: the session no longer acts as them
    assert Client().get(url).status_code == 410
    assert HistoryEvent.objects.filter(object_type="plans.stakeholder", object_id=producer.pk,
                                       action="revoke_links").count() == 1
    assert PersonalLinkKey.objects.get(stakeholder=producer).rotated_at is not None


def test_a_stakeholder_cannot_revoke_someone_elses_links(world: World, producer: Stakeholder) -> None:
    from plans.errors import PermissionDeniedError

    link_account(producer.pk)
    with pytest.raises(PermissionDeniedError):
        links_revoke(stakeholder_id=producer.pk, actor=Actor(world.users["stakeholder"], "web"))


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-3] + "abc",  # altered signature
    lambda t: signing.TimestampSigner(salt="another").sign_object(
        signing.TimestampSigner(salt=links.SALT).unsign_object(t)),  # signed for something else
    lambda t: t[: len(t) // 2],  # cut by a mail program
])
def test_an_altered_link_is_refused_with_a_form_asking_for_the_address(producer: Stakeholder, mangle: Any) -> None:
    token = path_of(links.personal_url(producer.pk, "/home/")).split("/")[2]
    response = Client().get(reverse("plans:link", args=[mangle(token)]))
    assert response.status_code == 400
    assert b'name="email"' in response.content
    assert "pmc_link" not in Client().session


def test_a_link_to_another_host_is_refused(producer: Stakeholder) -> None:
    _stakeholder, key = link_account(producer.pk)
    token = links.make_token(producer, key, "//evil.example/")
    assert Client().get(reverse("plans:link", args=[token])).status_code == 400


def test_a_fresh_link_goes_to_the_address_on_file_and_the_answer_never_tells(
    producer: Stakeholder, django_capture_on_commit_callbacks: Any, settings: Any,
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        token = path_of(links.personal_url(producer.pk, "/home/")).split("/")[2]
    client = Client(enforce_csrf_checks=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        known = client.post(reverse("plans:link-fresh"), {"token": token})
        unknown = client.post(reverse("plans:link-fresh"), {"email": "nobody@example.org"})
        by_address = client.post(reverse("plans:link-fresh"), {"email": "ROSA@tambo.example"})
    assert known.status_code == unknown.status_code == by_address.status_code == 200
    assert without_csrf(known.content) == without_csrf(unknown.content)
    assert len(callbacks) == 2  # the token's person and the address's person; nothing for the unknown address


def test_fresh_link_deliveries_carry_a_working_link_to_the_page(producer: Stakeholder) -> None:
    from notifications.rendering import render
    from notifications.services.links import fresh_link_deliveries

    ids = fresh_link_deliveries(stakeholder_ids=[producer.pk], path="/home/")
    delivery = Delivery.objects.get(pk=ids[0])
    assert delivery.kind == Kind.PERSONAL_LINK and delivery.to_email == producer.email
    message = render(delivery)
    url = next(word for word in message.body.split() if "/l/" in word)
    client = Client()
    assert client.get(path_of(url))["Location"] == "/home/"
    assert client.get("/home/")["Location"] == "/me/"  # a link session's home is the stakeholder's own
    assert client.get("/me/").status_code == 200


def test_asking_too_often_is_refused(producer: Stakeholder) -> None:
    client = Client()
    answers = [client.post(reverse("plans:link-fresh"), {"email": "x@example.org"}).status_code for _ in range(12)]
    assert answers[:10] == [200] * 10
    assert answers[10:] == [429, 429]


def test_signing_out_ends_the_link_session(producer: Stakeholder) -> None:
    client = Client()
    client.get(path_of(links.personal_url(producer.pk, "/me/")))
    assert client.get("/me/").status_code == 200
    assert client.post(reverse("plans:link-sign-out")).status_code == 200
    assert client.get("/me/").status_code == 302


def test_a_person_signed_in_as_themselves_keeps_their_roles(world: World) -> None:
    coordinator = world.users["coordinator"]
    own = StakeholderFactory.create(cluster=world.own.cluster, user=coordinator, email="c2@example.org")
    client = Client()
    client.force_login(coordinator)
    client.get(path_of(links.personal_url(own.pk, "/home/")))
    assert client.get(f"/forums/{world.own['forum'].pk}/edit/").status_code == 200


def test_another_persons_session_on_the_browser_ends_when_a_link_is_opened(
    world: World, producer: Stakeholder,
) -> None:
    client = Client()
    client.force_login(world.users["coordinator"])
    client.get(path_of(links.personal_url(producer.pk, "/home/")))
    page = client.get(f"/forums/{world.own['forum'].pk}/edit/")
    assert page.status_code == 403  # now the producer, not the coordinator


def test_tokens_are_redacted_from_log_lines() -> None:
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               ("GET /l/eyJzIjo0fQ:1tXyZ:abc/ HTTP/1.1", "302", "0"), None)
    RedactLinkTokens().filter(record)
    assert "eyJz" not in record.getMessage() and "/l/[redacted]" in record.getMessage()
    mapping = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s", None, None)
    mapping.args = {"r": "GET /l/secret-token/ HTTP/1.1"}
    RedactLinkTokens().filter(mapping)
    assert "secret" not in mapping.getMessage()


def test_an_inactive_stakeholders_links_stop(producer: Stakeholder) -> None:
    url = path_of(links.personal_url(producer.pk, "/home/"))
    Stakeholder.objects.filter(pk=producer.pk).update(is_active=False)
    assert Client().get(url).status_code == 410


def test_a_change_made_through_a_link_is_recorded_as_from_email_by_the_stakeholder(
    world: World, producer: Stakeholder,
) -> None:
    agreement = world.own["agreement"]
    client = Client()
    client.get(path_of(links.personal_url(producer.pk, f"/agreements/{agreement.pk}/")))
    response = client.post(f"/agreements/{agreement.pk}/positions/",
                           {"organization": producer.organization_id, "position": "agree", "comment": ""})
    assert response.status_code == 302  # recorded, back to the agreement
    position = Position.objects.get(agreement=agreement, organization=producer.organization)
    assert position.position == "agree" and position.recorded_by_id == producer.pk
    event = HistoryEvent.objects.filter(object_type="plans.position", object_id=position.pk).latest("id")
    assert event.source == "email"
    assert event.actor_id == Stakeholder.objects.get(pk=producer.pk).user_id
