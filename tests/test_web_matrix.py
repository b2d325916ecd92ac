"""Every web route x method x role x own/other cluster (see tests/web_matrix.py).

A route missing from the table fails here, and so does a method the table does not name
that the route answers (anything but 405 for an administrator). A refused request must
write nothing (no history event); anonymous visitors of a private page go to the login page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plans.access import forget_access
from plans.models import HistoryEvent
from tests.web_matrix import TABLE, Case, expected
from tests.world import ROLES, World, _fresh_throttles, build_world

__all__ = ["_fresh_throttles"]  # rate-limit counters (e.g. the fresh-link page's) start at zero in each test

WEB_NAMESPACES = ("plans", "projects", "notifications")
METHODS = ("GET", "POST")


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            yield from _walk(pattern.url_patterns, f"{namespace}:{inner}".strip(":") if inner else namespace)
        elif namespace.split(":")[0] in WEB_NAMESPACES and pattern.name:
            yield f"{namespace}:{pattern.name}", pattern


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def web_routes() -> list[str]:
    return sorted({name for name, _ in _walk(get_resolver().url_patterns)})


ROUTES = web_routes()
ROWS = sorted(TABLE)


def client_for(world: World, role: str) -> Client:
    client = Client()
    user = world.users.get(role)
    if user is not None:
        forget_access(user)
        client.force_login(user)
    return client


def test_every_web_route_has_a_row_in_the_matrix() -> None:
    named = {name for name, _ in TABLE}
    missing = [name for name in ROUTES if name not in named]
    assert not missing, f"web routes without access rules in tests/web_matrix.py: {missing}"


def test_the_matrix_names_no_route_that_does_not_exist() -> None:
    stale = [key for key in TABLE if key[0] not in ROUTES]
    assert not stale, f"rows in tests/web_matrix.py for routes that do not exist: {stale}"


def _url(world: World, name: str, case: Case | None, scope: str) -> str:
    side = world.side(scope)
    kwargs: dict[str, Any] = {}
    if case is not None and case.target:
        kwargs[case.pk_kwarg] = side[case.target].pk
    if case is not None and case.kwargs:
        kwargs.update(case.kwargs(side))
    return reverse(name, kwargs=kwargs)


def _scopes(case: Case) -> tuple[str, ...]:
    return ("own", "other") if case.kind in ("read", "write") else ("own",)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), ROWS, ids=[f"{n}:{m}" for n, m in ROWS])
def test_web_role_matrix(world: World, name: str, method: str) -> None:
    case = TABLE[(name, method)]
    problems: list[str] = []
    for scope in _scopes(case):
        side = world.side(scope)
        url = _url(world, name, case, scope)
        body = case.body(side, world) if case.body else {}
        query = case.query(side) if case.query else {}
        for role in ROLES:
            allowed = expected(case, role, scope)
            events_before = HistoryEvent.objects.count()
            # Each call runs in a savepoint that is rolled back, so every role meets the same state.
            with transaction.atomic():
                client = client_for(world, role)
                if method == "GET":
                    response = client.get(url, query)
                else:
                    response = client.post(url + (f"?{_qs(query)}" if query else ""), body)
                events_after = HistoryEvent.objects.count()
                transaction.set_rollback(True)
            code = response.status_code
            label = f"{role}/{scope} {method} {url}"
            if code not in allowed:
                problems.append(f"{label}: got {code}, expected {sorted(allowed)}")
                continue
            if code >= 400 and events_after != events_before:
                problems.append(f"{label}: refused with {code} but wrote {events_after - events_before} event(s)")
            login_page = urlparse(response["Location"]).path == reverse("plans:login") if code == 302 else False
            if role == "anonymous" and case.kind != "public" and code == 302 and not login_page:
                problems.append(f"{label}: anonymous sent to {response['Location']}, not the login page")
    assert not problems, "\n".join(problems)


def _qs(query: dict[str, Any]) -> str:
    return urlencode(query)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROUTES)
def test_methods_not_in_the_matrix_are_refused(world: World, name: str) -> None:
    """A route answers only the methods its rows name: anything else is 405 for an administrator."""
    listed = {method for row_name, method in TABLE if row_name == name}
    case = next((TABLE[(name, m)] for m in sorted(listed)), None)
    client = client_for(world, "admin")
    url = _url(world, name, case, "own")
    for method in set(METHODS) - listed:
        with transaction.atomic():
            response = client.generic(method, url)
            transaction.set_rollback(True)
        assert response.status_code == 405, f"{method} {url} answered {response.status_code}: add a row or refuse it"
