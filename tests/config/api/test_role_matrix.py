"""Every route under /api/v1/ x every method x every role x own/other cluster (see matrix.py).

A route missing from the table fails here, so a new endpoint cannot slip in without its
permission rules. A refused request must write nothing (no history event).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plans.models import HistoryEvent
from tests.config.api.matrix import TABLE, Case, expected, visible
from tests.world import ROLES, World

SKIP_METHODS = {"head", "options", "put"}  # PUT is not offered; HEAD/OPTIONS are framework-made


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def api_routes() -> list[tuple[str, str]]:
    """(route name, METHOD) of every endpoint under /api/v1/, from the URL resolver."""
    found: set[tuple[str, str]] = set()
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/") or route.endswith("\\.(?P<format>[a-z0-9]+)/?$"):
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if actions:
            methods = set(actions)
        elif view_class is not None:
            methods = {m for m in view_class.http_method_names if hasattr(view_class, m)}
        else:
            methods = {"get"}
        for method in methods - SKIP_METHODS:
            found.add((str(pattern.name), method.upper()))
    return sorted(found)


ROUTES = api_routes()


def test_every_route_has_a_row_in_the_matrix() -> None:
    missing = [key for key in ROUTES if key not in TABLE]
    assert not missing, f"routes without access rules in tests/api/matrix.py: {missing}"


def test_the_matrix_names_no_route_that_does_not_exist() -> None:
    stale = [key for key in TABLE if key not in ROUTES]
    assert not stale, f"rows in tests/api/matrix.py for routes that do not exist: {stale}"


def _url(world: World, name: str, case: Case, scope: str) -> str:
    side = world.side(scope)
    kwargs: dict[str, Any] = {}
    if case.extra.get("user"):
        kwargs["pk"] = world.users[case.extra["user"]].pk
    elif case.target and case.kind != "list":
        kwargs[case.pk_kwarg] = side[case.target].pk
    if case.kwargs:
        kwargs.update(case.kwargs(side))
    return reverse(name, kwargs=kwargs)


def _call(world: World, role: str, method: str, url: str, body: Any, query: dict[str, Any]) -> Any:
    client = world.client(role)
    if method == "GET":
        return client.get(url, query)
    if query:
        url = f"{url}?{urlencode(query)}"
    return client.generic(method, url, data=json.dumps(body or {}), content_type="application/json")


def _scopes(case: Case) -> tuple[str, ...]:
    scoped = case.kind in ("list", "read", "write", "create") or (case.kind == "admin" and case.target)
    return ("own", "other") if scoped else ("own",)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), ROUTES, ids=[f"{n}:{m}" for n, m in ROUTES])
def test_role_matrix(world: World, name: str, method: str) -> None:
    case = TABLE.get((name, method))
    if case is None:
        pytest.fail(f"{name} {method} has no row in tests/api/matrix.py: state who may call it")
    problems: list[str] = []
    for scope in _scopes(case):
        side = world.side(scope)
        url = _url(world, name, case, scope)
        body = case.body(side, world) if case.body else None
        query = case.query(side) if case.query else {}
        if case.kind == "list":
            query = {**query, "page_size": 200}
        for role in ROLES:
            allowed = expected(case, role, scope)
            events_before = HistoryEvent.objects.count()
            # Each call runs in a savepoint that is rolled back, so every role meets the same state.
            with transaction.atomic():
                response = _call(world, role, method, url, body, query)
                events_after = HistoryEvent.objects.count()
                transaction.set_rollback(True)
            code = response.status_code
            label = f"{role}/{scope} {method} {url}"
            if code not in allowed:
                detail = getattr(response, "data", None) or response.content[:200]
                problems.append(f"{label}: got {code}, expected {sorted(allowed)} ({detail!r})")
                continue
            if code >= 400 and events_after != events_before:
                problems.append(f"{label}: refused with {code} but wrote {events_after - events_before} event(s)")
            if case.kind == "list" and code == 200 and case.target:
                ids = {row["id"] for row in response.json()["results"]}
                should_see = visible(role, scope, case.readers)
                if (side[case.target].pk in ids) != should_see:
                    problems.append(f"{label}: target {'missing from' if should_see else 'leaked into'} the list")
            if code >= 400:
                payload = response.json()
                if set(payload) != {"type", "detail", "errors"}:
                    problems.append(f"{label}: error body is not the standard shape: {payload}")
    assert not problems, "\n".join(problems)
