"""Token authentication: one statement per request, immediate revocation, 401 for any bad token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from plans.api.base.authentication import purge_expired_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(token: str | bytes) -> APIClient:
    raw = token.encode() if isinstance(token, str) else token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=b"Token " + raw)  # type: ignore[arg-type]
    return client


@pytest.fixture
def user():  # type: ignore[no-untyped-def]
    return UserFactory.create(username="tok-user")


def test_a_request_reads_only_the_presented_token_in_one_statement(user) -> None:  # type: ignore[no-untyped-def]
    _, token = AuthToken.objects.create(user=user)
    for _n in range(3):  # other tokens of the same user, one of them expired
        AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=user, expiry=dt.timedelta(seconds=-1))
    from plans.api.base.authentication import TokenAuthentication

    with CaptureQueriesContext(connection) as queries:
        authenticated, _auth = TokenAuthentication().authenticate_credentials(token.encode())
    assert authenticated == user
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "knox_authtoken" in queries[0]["sql"] and "auth_user" in queries[0]["sql"]  # token with its user


def test_revocation_is_immediate_and_an_expired_token_is_refused_and_deleted(user) -> None:  # type: ignore[no-untyped-def]
    instance, token = AuthToken.objects.create(user=user)
    assert _client(token).get("/api/v1/me/").status_code == 200
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert _client(token).get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(pk=instance.pk).exists()
    other, token2 = AuthToken.objects.create(user=user)
    other.delete()  # logout
    assert _client(token2).get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("raw", [b"\xff\xfe\xfd", "caf\u00e9".encode(), b"abc\x00def", b"%%%%", b"a" * 500])
def test_malformed_tokens_answer_401_never_500(raw: bytes) -> None:
    response = _client(raw).get("/api/v1/me/")
    assert response.status_code == 401, response.content
    assert response.json()["type"] in ("authentication_failed", "not_authenticated")


def test_the_periodic_purge_deletes_only_expired_tokens(user) -> None:  # type: ignore[no-untyped-def]
    live, _ = AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=user, expiry=dt.timedelta(seconds=-1))
    AuthToken.objects.create(user=user, expiry=dt.timedelta(seconds=-60))
    assert purge_expired_tokens() == 2
    assert list(AuthToken.objects.values_list("pk", flat=True)) == [live.pk]
    assert purge_expired_tokens() == 0


def test_the_purge_is_in_the_beat_schedule() -> None:
    from config.celery import app

    assert {"task": "plans.purge_expired_tokens", "schedule": 3600.0} in app.conf.beat_schedule.values()
