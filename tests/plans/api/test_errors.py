"""One error body for every error, in the request's language; bad input is a 4xx, never a 500.
Rules live once, in the services: the input serializers do not repeat them, and the API still
answers the documented 400 with field errors from the service's ValidationFailed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone, translation
from rest_framework.throttling import SimpleRateThrottle

from plans.api.serializers.consensus import ForumUpdateSerializer
from plans.api.serializers.plans import PhaseUpdateSerializer
from plans.models import Forum, HistoryEvent, Phase, Plan
from tests.world import World

pytestmark = pytest.mark.django_db

SHAPE = {"type", "detail", "errors"}


def has_translation(message: str, language: str) -> bool:
    with translation.override(language):
        return translation.gettext(message) != message


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "code", "type_"),
    [
        ("coordinator", "post", "/api/v1/plans/", {"title": ""}, 400, "validation_error"),
        ("anonymous", "get", "/api/v1/plans/", None, 401, "not_authenticated"),
        ("auditor", "post", "/api/v1/plans/", {"title": "x"}, 403, "permission_denied"),
        ("coordinator", "get", "/api/v1/plans/999999/", None, 404, "not_found"),
        ("coordinator", "post", "/api/v1/plans/{plan}/transition/", {"to": "closed"}, 409, "illegal_transition"),
    ],
)
def test_every_error_has_the_same_shape(
    world: World, role: str, method: str, path: str, body: Any, code: int, type_: str
) -> None:
    url = path.format(plan=world.own["plan"].pk)
    response = getattr(world.client(role), method)(url, body, format="json")
    assert response.status_code == code
    payload = response.json()
    assert set(payload) == SHAPE
    assert payload["type"] == type_
    assert isinstance(payload["detail"], str) and payload["detail"]
    assert isinstance(payload["errors"], dict)


def test_field_errors_are_lists_of_messages_per_field(world: World) -> None:
    response = world.client("coordinator").post("/api/v1/plans/", {"cluster": "abc"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) >= {"cluster", "title"}
    assert all(isinstance(m, str) for messages in errors.values() for m in messages)


def test_throttled_requests_get_429_with_the_error_body(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"})
    client = world.client("coordinator")
    codes = [client.get("/api/v1/plans/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/plans/")
    assert set(response.json()) == SHAPE and response.json()["type"] == "throttled"
    assert "Retry-After" in response.headers
    # Anonymous callers reach only the login route (everything else is 401 before throttling).
    anonymous = world.client("anonymous")
    body = {"username": "nobody", "password": "x"}
    codes = [anonymous.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_messages_follow_accept_language_spanish_by_default(world: World) -> None:
    client = world.client("coordinator")
    default = client.get("/api/v1/plans/999999/")
    english = client.get("/api/v1/plans/999999/", HTTP_ACCEPT_LANGUAGE="en")
    spanish = client.get("/api/v1/plans/999999/", HTTP_ACCEPT_LANGUAGE="es")
    assert english.json()["detail"] == "Not found."
    assert spanish.json()["detail"] == default.json()["detail"]
    assert default.headers["Content-Language"] == "es"
    assert english.headers["Content-Language"] == "en"
    if has_translation("Not found.", "es"):
        assert spanish.json()["detail"] != english.json()["detail"]


def test_domain_messages_are_translated_when_a_translation_exists(world: World) -> None:
    url = f"/api/v1/plans/{world.own['plan'].pk}/"
    client = world.client("coordinator")
    english = client.patch(url, {"vision": "x"}, HTTP_IF_MATCH='"9"', HTTP_ACCEPT_LANGUAGE="en").json()
    spanish = client.patch(url, {"vision": "x"}, HTTP_IF_MATCH='"9"', HTTP_ACCEPT_LANGUAGE="es").json()
    assert english["type"] == spanish["type"] == "stale_version"
    assert "version 9" in english["detail"]
    source = "The object changed since you read it (version %(expected)s, now %(current)s)."
    assert (english["detail"] != spanish["detail"]) == has_translation(source, "es")


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/plans/", {"status": "nonsense"}),
        ("/api/v1/plans/", {"cluster": "abc"}),
        ("/api/v1/plans/", {"cluster": "9" * 30}),
        ("/api/v1/forums/", {"starts_after": "yesterday"}),
        ("/api/v1/phases/", {"plan": "-1"}),
    ],
)
def test_bad_filter_values_are_400(world: World, path: str, query: dict[str, str]) -> None:
    response = world.client("coordinator").get(path, query)
    assert response.status_code == 400
    assert set(response.json()) == SHAPE


def test_unknown_ordering_field_is_ignored_not_a_500(world: World) -> None:
    assert world.client("coordinator").get("/api/v1/plans/", {"ordering": "password"}).status_code == 200


def test_page_size_is_capped_at_200(world: World) -> None:
    from tests.factories import OrganizationFactory

    OrganizationFactory.create_batch(205, cluster=world.own.cluster)
    response = world.client("coordinator").get("/api/v1/organizations/", {"page_size": "10000"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 200
    assert response.json()["count"] == 207
    assert response.json()["next"]


def test_filters_search_and_ordering(world: World) -> None:
    client = world.client("admin")
    own: int = world.own.cluster.pk
    by_cluster = client.get("/api/v1/plans/", {"cluster": own}).json()
    assert {row["cluster"] for row in by_cluster["results"]} == {own}
    approved = client.get("/api/v1/plans/", {"status": "approved"}).json()
    assert {row["status"] for row in approved["results"]} == {"approved"}
    found = client.get("/api/v1/organizations/", {"search": "other dairy"}).json()
    assert [row["name"] for row in found["results"]] == ["other dairy one", "other dairy two"]
    ordered = client.get("/api/v1/organizations/", {"ordering": "-name", "cluster": str(own)}).json()
    assert [row["name"] for row in ordered["results"]] == ["own dairy two", "own dairy one"]
    phases = client.get("/api/v1/phases/", {"plan": world.own["plan"].pk}).json()
    assert [row["order"] for row in phases["results"]] == [1, 2, 3]
    forums = client.get("/api/v1/forums/", {"phase": world.own["phase"].pk}).json()
    assert forums["count"] == 2
    agreements = client.get("/api/v1/agreements/", {"plan": world.own["plan"].pk, "status": "open"}).json()
    assert [row["id"] for row in agreements["results"]] == [world.own["agreement"].pk]


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        ("{not json", "application/json", 400),  # unparsable
        ("[1, 2]", "application/json", 400),  # parsed, but not an object
        ("title=x", "text/plain", 415),  # a media type the API does not read
    ],
)
def test_malformed_bodies_are_4xx_and_write_nothing(world: World, body: str, content_type: str, code: int) -> None:
    events = HistoryEvent.objects.count()
    response = world.client("coordinator").generic("POST", "/api/v1/plans/", body, content_type=content_type)
    assert response.status_code == code
    assert set(response.json()) == SHAPE
    assert HistoryEvent.objects.count() == events


def test_ids_from_another_cluster_are_refused_as_unknown(world: World) -> None:
    events = HistoryEvent.objects.count()
    response = world.client("coordinator").post(
        "/api/v1/strategic-lines/", {"plan": world.other["plan"].pk, "code": "X", "title": "X"}, format="json"
    )
    assert response.status_code == 400
    assert "plan" in response.json()["errors"]
    assert HistoryEvent.objects.count() == events


def day_ahead(days: int = 90) -> str:
    """A day ahead in ISO form, read when the test runs (a fixed date would become the past)."""
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_dates_out_of_order_are_400(world: World) -> None:
    day = day_ahead()
    response = world.client("coordinator").post("/api/v1/forums/", {
        "phase": world.own["phase"].pk, "title": "Foro", "starts_at": f"{day}T08:30:00-03:00",
        "ends_at": f"{day}T07:30:00-03:00",
    }, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"ends_at"}  # the start ahead is fine: only the order is wrong


def test_illegal_transition_is_409_and_changes_nothing(world: World) -> None:
    plan = world.own["plan"]
    response = world.client("coordinator").post(f"/api/v1/plans/{plan.pk}/transition/", {"to": "closed"})
    assert response.status_code == 409
    assert Plan.objects.get(pk=plan.pk).status == plan.status


def test_nul_characters_are_refused_never_a_500(world: World) -> None:
    """PostgreSQL text cannot hold NUL: bodies and search terms with one are bad input."""
    client = world.client("coordinator")
    assert client.get("/api/v1/plans/", {"search": "le\x00che"}).status_code == 400
    assert client.get("/api/v1/organizations/", {"cluster": "\x00"}).status_code == 400
    plan = world.own["plan"]
    response = client.patch(f"/api/v1/plans/{plan.pk}/", {"title": "PMC\x00"}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()["errors"]


def test_forum_moments_far_from_our_era_are_400(world: World) -> None:
    response = world.client("coordinator").post("/api/v1/forums/", {
        "phase": world.own["phase"].pk, "title": "Foro", "starts_at": "1656-02-06T14:25:21-03:00",
    }, format="json")
    assert response.status_code == 400
    assert "starts_at" in response.json()["errors"]


def test_unknown_api_urls_answer_with_the_error_body(world: World) -> None:
    response = world.client("coordinator").get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["type"] == "not_found"
    assert set(response.json()) == SHAPE
    english = world.client("coordinator").get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "Not found."


def test_unexpected_failures_under_the_api_keep_the_error_body(world: World, monkeypatch: Any) -> None:
    from plans.api.views.plans import PlanViewSet

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(PlanViewSet, "list", boom)
    client = world.client("coordinator")
    client.raise_request_exception = False
    response = client.get("/api/v1/plans/")
    assert response.status_code == 500
    assert response.json() == {"type": "server_error", "detail": response.json()["detail"], "errors": {}}


def test_input_serializers_leave_date_order_to_the_services() -> None:
    day, earlier = day_ahead(), day_ahead(71)
    times = {"starts_at": f"{day}T08:30:00-03:00", "ends_at": f"{day}T07:30:00-03:00"}
    forum = ForumUpdateSerializer(data=times, partial=True)
    phase = PhaseUpdateSerializer(data={"planned_start": day, "planned_end": earlier}, partial=True)
    assert forum.is_valid(), forum.errors
    assert phase.is_valid(), phase.errors


def test_forum_reschedule_ending_before_it_starts_is_400_with_the_field(world: World) -> None:
    forum = world.own["forum"]
    events = HistoryEvent.objects.count()
    response = world.client("coordinator").patch(
        f"/api/v1/forums/{forum.pk}/", {"ends_at": (forum.starts_at - relativedelta(years=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error" and "ends_at" in body["errors"]
    assert HistoryEvent.objects.count() == events
    assert Forum.objects.get(pk=forum.pk).ends_at == forum.ends_at


def test_phase_planned_end_before_start_is_400_with_the_field(world: World) -> None:
    phase = world.own["pending_phase"]
    response = world.client("coordinator").patch(
        f"/api/v1/phases/{phase.pk}/", {"planned_start": day_ahead(), "planned_end": day_ahead(71)}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "planned_end" in response.json()["errors"]
    assert Phase.objects.get(pk=phase.pk).planned_end == phase.planned_end
