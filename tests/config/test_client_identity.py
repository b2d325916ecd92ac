"""X-Forwarded-For is trusted only as far as PMC_TRUSTED_PROXIES says (issue: throttles bypassed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from plans.client_ip import client_ip

pytestmark = pytest.mark.django_db

BODY = {"username": "nobody", "password": "wrong"}


@pytest.fixture(autouse=True)
def _tight_throttle(monkeypatch: Any) -> None:
    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "1000/minute"})


def _attempts(forwarded: list[str]) -> list[int]:
    client = APIClient()
    return [
        client.post("/api/v1/auth/token/", BODY, format="json", HTTP_X_FORWARDED_FOR=value).status_code
        for value in forwarded
    ]


def test_without_trusted_proxies_a_new_forwarded_for_each_time_is_still_throttled() -> None:
    assert _attempts(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]) == [400, 400, 429, 429]


def test_behind_one_trusted_proxy_the_address_it_saw_is_the_client(settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The client forges the left part; our proxy appends what it saw (the last entry).
    assert _attempts(["6.6.6.6, 203.0.113.7", "7.7.7.7, 203.0.113.7", "8.8.8.8, 203.0.113.7"]) == [400, 400, 429]
    cache.clear()
    assert _attempts(["203.0.113.8", "203.0.113.9", "203.0.113.10"]) == [400, 400, 400]


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "6.6.6.6", "192.0.2.1"),
    (0, "", "192.0.2.1"),
    (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
    (2, "6.6.6.6, 203.0.113.7, 10.1.1.1", "203.0.113.7"),
    (3, "203.0.113.7", "203.0.113.7"),
    (1, " , ", "192.0.2.1"),
])
def test_the_lockout_and_the_throttles_see_the_same_client(
    settings: Any, proxies: int, forwarded: str, expected: str,
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
    assert settings.AXES_CLIENT_IP_CALLABLE == "plans.client_ip.client_ip"
