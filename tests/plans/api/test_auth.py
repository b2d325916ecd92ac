"""Token login (knox: hashed, expiring, revocable) and the axes lockout on the login route."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.world import World

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def login(client: APIClient, username: str, password: str = "pass-1234") -> Any:  # noqa: S107
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_login_returns_a_token_that_authenticates_with_the_token_prefix(world: World) -> None:
    client = APIClient()
    response = login(client, "coordinator")
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert response.json()["expiry"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "coordinator"
    assert me.json()["roles"] == [{"cluster": world.own.cluster.pk, "cluster_name": "Cluster own",
                                   "roles": ["coordinator"]}]


def test_token_is_stored_hashed_not_in_clear(world: World) -> None:
    token = login(APIClient(), "coordinator").json()["token"]
    stored = AuthToken.objects.get(user=world.users["coordinator"])
    assert token not in (stored.digest, stored.token_key)
    assert stored.token_key == token[: len(stored.token_key)]  # only a lookup prefix is kept in clear


def test_wrong_password_is_400_with_the_error_body_and_no_token(world: World) -> None:
    response = login(APIClient(), "coordinator", "wrong")
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_credentials"
    assert set(response.json()) == {"type", "detail", "errors"}
    assert not AuthToken.objects.exists()


def test_inactive_user_gets_no_token(world: World) -> None:
    user = world.users["coordinator"]
    user.is_active = False
    user.save()
    assert login(APIClient(), "coordinator").status_code == 400


def test_logout_revokes_only_the_token_used(world: World) -> None:
    first = login(APIClient(), "coordinator").json()["token"]
    second = login(APIClient(), "coordinator").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert other.get("/api/v1/me/").status_code == 200


def test_logout_all_revokes_every_token_of_the_user(world: World) -> None:
    tokens = [login(APIClient(), "coordinator").json()["token"] for _ in range(3)]
    login(APIClient(), "auditor")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    assert client.post("/api/v1/auth/logout-all/").status_code == 204
    for token in tokens:
        probe = APIClient()
        probe.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert probe.get("/api/v1/me/").status_code == 401
    assert AuthToken.objects.filter(user=world.users["auditor"]).count() == 1


def test_expired_token_is_refused_with_401(world: World) -> None:
    token = login(APIClient(), "coordinator").json()["token"]
    AuthToken.objects.filter(user=world.users["coordinator"]).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert set(response.json()) == {"type", "detail", "errors"}
    assert response.headers["WWW-Authenticate"] == "Token"


def test_token_expiry_follows_the_setting(world: World, settings: Any) -> None:
    before = timezone.now()
    login(APIClient(), "coordinator")
    expiry = AuthToken.objects.get(user=world.users["coordinator"]).expiry
    assert expiry is not None
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert before + ttl - dt.timedelta(minutes=1) < expiry < timezone.now() + ttl + dt.timedelta(minutes=1)


def test_repeated_failures_lock_the_login_out_even_with_the_right_password(world: World, settings: Any) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "coordinator", "wrong").status_code == 400
    locked = login(client, "coordinator", "wrong")
    assert locked.status_code == 429
    assert locked.json()["type"] == "locked_out"
    assert set(locked.json()) == {"type", "detail", "errors"}
    right_password = login(client, "coordinator")
    assert right_password.status_code == 429
    assert not AuthToken.objects.exists()
    # The lockout is per username + address: another user from the same address still logs in.
    assert login(client, "auditor").status_code == 200


def test_a_success_before_the_limit_resets_the_failure_count(world: World, settings: Any) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "coordinator", "wrong")
    assert login(client, "coordinator").status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "coordinator", "wrong").status_code == 400
    assert login(client, "coordinator").status_code == 200


def test_anonymous_requests_get_401_with_the_token_challenge(world: World) -> None:
    response = APIClient().get("/api/v1/plans/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["type"] == "not_authenticated"


def test_me_lists_roles_per_cluster_and_global_ones(world: World) -> None:
    from plans.models import Role
    from tests.factories import RoleAssignmentFactory

    auditor = world.users["global_auditor"]
    RoleAssignmentFactory.create(user=auditor, cluster=world.other.cluster, role=Role.COORDINATOR)
    me = world.client("global_auditor").get("/api/v1/me/").json()
    assert me["is_programme_admin"] is False
    assert sorted(me["roles"], key=lambda r: r["cluster"] or 0) == [
        {"cluster": None, "cluster_name": None, "roles": ["auditor"]},
        {"cluster": world.other.cluster.pk, "cluster_name": "Cluster other", "roles": ["coordinator"]},
    ]
    assert world.client("admin").get("/api/v1/me/").json()["is_programme_admin"] is True
