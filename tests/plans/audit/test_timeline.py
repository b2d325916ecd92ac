"""GET /plans/{id}/history/ and its export: who may read them, order, cursor pages, filters,
labels, and an export that verifies offline with docs/verify_export.py."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from plans.models import Cluster, HistoryEvent, Plan, Role, Source
from plans.services.history import GENESIS_HASH, HASHED_FIELDS, Actor

from .helpers import as_attacker, change, make_cluster, make_phase, make_plan

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[3] / "docs" / "verify_export.py"


def offline_verifier() -> Any:
    spec = importlib.util.spec_from_file_location("verify_export", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_offline_verifier_hashes_the_fields_the_application_hashes() -> None:
    # docs/verify_export.py must run without the project, so it keeps its own copy of the list.
    script = offline_verifier()
    assert script.CONTENT == HASHED_FIELDS
    assert script.GENESIS == GENESIS_HASH


@pytest.fixture
def history(plan: Plan, user_with_role: Callable[..., Any]) -> dict[str, Any]:
    coordinator = user_with_role("coord", Role.COORDINATOR, plan.cluster)
    as_coordinator = Actor(user=coordinator, source=Source.API)
    phase = make_phase(plan, actor=as_coordinator)
    change(plan, actor=as_coordinator, vision="Lácteos de calidad")
    change(phase, title="Foro de lanzamiento (20/09)")
    make_plan(make_cluster("otro"), title="Otro plan")  # must not leak into this plan's timeline
    return {"phase": phase, "coordinator": coordinator}


def url(plan: Plan, suffix: str = "") -> str:
    return f"/api/v1/plans/{plan.pk}/history/{suffix}"


def test_auditor_reads_the_plans_events_newest_first_with_labels_and_changes(
    plan: Plan, history: dict[str, Any], auditor: Any, client_for: Callable[..., Any],
) -> None:
    response = client_for(auditor).get(url(plan))
    assert response.status_code == 200
    results = response.json()["results"]
    ids = [e["id"] for e in results]
    assert ids == sorted(ids, reverse=True)
    assert len(results) == 4 and {e["plan"] for e in results} == {plan.pk}
    newest = results[0]
    assert newest["object_label"] == "phase “1. Foro de lanzamiento (20/09)”"
    assert newest["changes"] == [
        {"field": "title", "label": "title", "old": "Foro de lanzamiento", "new": "Foro de lanzamiento (20/09)"}
    ]
    assert newest["hash"] and newest["prev_hash"] and newest["source"] == "command"
    assert results[1]["actor"] == history["coordinator"].pk and results[1]["actor_label"] == "coord"


def test_cursor_pages_walk_the_whole_history_without_repeats(
    plan: Plan, history: dict[str, Any], auditor: Any, client_for: Callable[..., Any],
) -> None:
    client = client_for(auditor)
    seen: list[int] = []
    next_url: str | None = url(plan) + "?page_size=1"
    while next_url:
        body = client.get(next_url).json()
        assert set(body) == {"next", "previous", "results"}
        seen += [e["id"] for e in body["results"]]
        next_url = body["next"]
    assert seen == list(HistoryEvent.objects.filter(plan_id=plan.pk).order_by("-id").values_list("id", flat=True))


def test_filters_by_action_object_type_actor_and_time(
    plan: Plan, history: dict[str, Any], auditor: Any, client_for: Callable[..., Any],
) -> None:
    client = client_for(auditor)

    def ids(**params: Any) -> list[int]:
        response = client.get(url(plan), params)
        assert response.status_code == 200, response.json()
        return [e["id"] for e in response.json()["results"]]

    events = list(HistoryEvent.objects.filter(plan_id=plan.pk).order_by("id"))
    assert ids(action="update") == [events[3].pk, events[2].pk]
    assert ids(object_type="plans.phase") == [events[3].pk, events[1].pk]
    assert ids(object_type="plans.phase", action="create,update") == [events[3].pk, events[1].pk]
    assert ids(actor=str(history["coordinator"].pk)) == [events[2].pk, events[1].pk]
    assert ids(actor="coord") == [events[2].pk, events[1].pk]
    assert ids(since=events[2].occurred_at.isoformat()) == [events[3].pk, events[2].pk]
    assert ids(until=events[1].occurred_at.isoformat()) == [events[1].pk, events[0].pk]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert ids(since=tomorrow) == []


def test_malformed_datetimes_are_a_clear_400(plan: Plan, auditor: Any, client_for: Callable[..., Any]) -> None:
    response = client_for(auditor).get(url(plan), {"since": "ayer"})
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error" and "since" in response.json()["errors"]
    response = client_for(auditor).get(url(plan), {"until": "2012-13-40"})
    assert response.status_code == 400 and "until" in response.json()["errors"]


def test_access_auditors_and_coordinators_only_and_never_writes(
    plan: Plan, user_with_role: Callable[..., Any], client_for: Callable[..., Any],
) -> None:
    other: Cluster = make_cluster("otro")
    cases = {
        user_with_role("aud", Role.AUDITOR, plan.cluster): 200,
        user_with_role("aud-all", Role.AUDITOR, None): 200,
        user_with_role("coord", Role.COORDINATOR, plan.cluster): 200,
        user_with_role("admin", None, superuser=True): 200,
        user_with_role("stake", Role.STAKEHOLDER, plan.cluster): 403,
        user_with_role("aud-other", Role.AUDITOR, other): 404,
    }
    for user, expected in cases.items():
        client = client_for(user)
        for path in (url(plan), url(plan, "export/?format=jsonl"), f"/api/v1/plans/{plan.pk}/compare/?from=2012-01-01"):
            assert client.get(path).status_code == expected, (user.username, path)
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url(plan), {}).status_code == 403
    assert APIClient().get(url(plan)).status_code == 401
    global_auditor = client_for(user_with_role("aud2", Role.AUDITOR, None))
    assert global_auditor.get("/api/v1/plans/999999/history/").status_code == 404


def read_export(client: APIClient, plan: Plan, fmt: str, tmp_path: Path) -> Path:
    response = client.get(url(plan, "export/"), {"format": fmt})
    assert response.status_code == 200 and response.streaming
    assert f'.{fmt}"' in response["Content-Disposition"]
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_streams_every_event_with_hashes_and_verifies_offline(
    fmt: str, plan: Plan, history: dict[str, Any], auditor: Any, client_for: Callable[..., Any], tmp_path: Path,
) -> None:
    path = read_export(client_for(auditor), plan, fmt, tmp_path)
    verifier = offline_verifier()
    count, problems, _chains = verifier.verify(str(path))
    assert count == HistoryEvent.objects.filter(plan_id=plan.pk).count() and problems == []
    if fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        stored = dict(HistoryEvent.objects.filter(plan_id=plan.pk).values_list("id", "hash"))
        assert {r["sequence"]: r["hash"] for r in rows} == stored
        rows[1]["reason"] = "editado después"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        count, problems, _chains = verifier.verify(str(path))
        assert len(problems) == 1 and f"#{rows[1]['sequence']}" in problems[0]


def test_export_of_a_tampered_row_fails_offline(
    plan: Plan, history: dict[str, Any], auditor: Any, client_for: Callable[..., Any], tmp_path: Path,
) -> None:
    target = HistoryEvent.objects.filter(plan_id=plan.pk).order_by("id")[1]
    with as_attacker() as cursor:
        cursor.execute("UPDATE plans_historyevent SET reason = 'x' WHERE id = %s", [target.pk])
    path = read_export(client_for(auditor), plan, "csv", tmp_path)
    _, problems, _chains = offline_verifier().verify(str(path))
    assert problems and f"#{target.pk}" in problems[0]


def test_export_rejects_unknown_formats(plan: Plan, auditor: Any, client_for: Callable[..., Any]) -> None:
    response = client_for(auditor).get(url(plan, "export/"), {"format": "xml"})
    assert response.status_code == 400 and "format" in response.json()["errors"]


@pytest.mark.parametrize(("params", "code"), [
    # Valid odd values filter normally: nothing matches, or the filter is read as written.
    ({"actor": "9" * 30}, 200), ({"actor": "\u00b9"}, 200), ({"object_type": "x" * 500}, 200),
    ({"since": "2169-11-17T20:20:19.78123-21:49"}, 200),
    # Instants outside the years 1..9999 once in UTC are malformed filters: 400 naming the field.
    ({"since": "0001-01-01T00:00:00+14:00"}, 400), ({"until": "9999-12-31T23:59:59-14:00"}, 400),
    # Control characters are refused, not dropped (issue 12 §4).
    ({"since": "2012-09-20T08:30:00\x00"}, 400), ({"until": "2012-09-20\r\n"}, 400),
    ({"actor": "ana\x00"}, 400), ({"action": "update\x1b"}, 400),
    # Paging input is not a filter: a bad page size or cursor falls back to the first page.
    ({"page_size": "0"}, 200), ({"cursor": "bm9wZQ=="}, 200),
])
def test_odd_filter_values_get_their_documented_answer(
    plan: Plan, auditor: Any, client_for: Callable[..., Any], params: dict[str, str], code: int,
) -> None:
    response = client_for(auditor).get(url(plan), params)
    assert response.status_code == code, response.content[:300]
    if code == 400:
        assert list(response.json()["errors"]) == list(params)


@pytest.mark.parametrize("value", ["9" * 30, str(2**63), "-1", "x", ",", "\u00b9", "{c},,{c}"])
def test_odd_chain_values_on_verify_never_fail_the_server(
    plan: Plan, user_with_role: Callable[..., Any], client_for: Callable[..., Any], value: str,
) -> None:
    # A global auditor: every requested id reaches the lookups (a local one is filtered first).
    auditor = user_with_role("aud-global", Role.AUDITOR, None)
    response = client_for(auditor).get("/api/v1/audit/verify/", {"chain": value.format(c=plan.cluster_id)})
    expected = 200 if value.startswith("{c}") else 400
    assert response.status_code == expected, response.content[:300]


def test_a_chain_export_verifies_every_link_offline_against_the_published_head(
    plan: Plan, history: dict[str, Any], user_with_role: Callable[..., Any], client_for: Callable[..., Any],
    tmp_path: Path,
) -> None:
    from plans.audit.verify import chain_heads

    auditor = user_with_role("aud", Role.AUDITOR, plan.cluster)
    response = client_for(auditor).get(f"/api/v1/audit/chains/{plan.cluster_id}/export/", {"format": "csv"})
    assert response.status_code == 200
    path = tmp_path / "chain.csv"
    path.write_bytes(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    [head] = [h for h in chain_heads() if h.chain_id == plan.cluster_id]
    anchor = f"{head.chain_id}:{head.chain_seq}:{head.hash}"
    count, problems, chains = offline_verifier().verify(str(path), [anchor])
    assert problems == [] and count == head.chain_seq
    assert chains[plan.cluster_id] == [1, head.chain_seq, head.hash, True]
    assert offline_verifier().main([str(path), "--anchor", anchor]) == 0
    _, problems, _ = offline_verifier().verify(str(path), [f"{head.chain_id}:{head.chain_seq}:{'0' * 64}"])
    assert problems and "anchored" in problems[0]


def test_chain_export_access(plan: Plan, user_with_role: Callable[..., Any], client_for: Callable[..., Any]) -> None:
    def status(user: Any, chain: int) -> int:
        return int(client_for(user).get(f"/api/v1/audit/chains/{chain}/export/").status_code)

    assert status(user_with_role("stake", Role.STAKEHOLDER, plan.cluster), plan.cluster_id) == 403
    assert status(user_with_role("aud-other", Role.AUDITOR, make_cluster("otro")), plan.cluster_id) == 404
    assert status(user_with_role("coord", Role.COORDINATOR, plan.cluster), 0) == 403
    assert status(user_with_role("aud-all", Role.AUDITOR, None), 0) == 200
    assert status(user_with_role("aud-all2", Role.AUDITOR, None), 999999) == 404
