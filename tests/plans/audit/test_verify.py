"""Verification recomputes each chain and names the first event that does not hold.

Each tampering test acts as an attacker with database access: the append-only triggers are
switched off and the rows edited with raw SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from plans.audit.verify import Anchor, chain_heads, verify_chains
from plans.models import Cluster, HistoryChainHead, HistoryEvent, Plan, Role
from plans.services.history import compute_hash

from .helpers import as_attacker, change, make_cluster, make_phase, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(plan: Plan) -> list[HistoryEvent]:
    """A chain of 6 events: cluster, plan, phase created; three updates."""
    phase = make_phase(plan)
    change(plan, vision="Calidad")
    change(phase, title="Primer foro")
    change(plan, vision="Calidad y marca")
    return list(HistoryEvent.objects.filter(chain_id=plan.cluster_id).order_by("chain_seq"))


def test_an_untouched_history_verifies(events: list[HistoryEvent]) -> None:
    make_plan(make_cluster("otro"))  # a second chain
    report = verify_chains()
    assert report.ok and report.first_bad_sequence is None
    assert report.events_checked == len(events) + 2
    assert [c.chain_id for c in report.chains] == sorted({events[0].chain_id, events[0].chain_id + 1})


def test_altered_content_is_named(events: list[HistoryEvent]) -> None:
    target = events[3]
    with as_attacker() as cursor:
        cursor.execute("UPDATE plans_historyevent SET reason = %s WHERE id = %s", ["nada que ver", target.pk])
    report = verify_chains()
    assert not report.ok
    assert report.first_bad_sequence == target.pk
    assert report.chains[0].problem == "hash_mismatch" and report.chains[0].first_bad_position == target.chain_seq


def test_altered_content_with_a_recomputed_hash_breaks_the_next_link(events: list[HistoryEvent]) -> None:
    target = events[2]
    target.changes = {"title": [None, "Foro falso"]}
    forged_hash = compute_hash(target)
    with as_attacker() as cursor:
        cursor.execute(
            "UPDATE plans_historyevent SET changes = %s, hash = %s WHERE id = %s",
            ['{"title": [null, "Foro falso"]}', forged_hash, target.pk],
        )
    report = verify_chains()
    assert report.first_bad_sequence == events[3].pk
    assert report.chains[0].problem == "broken_link"


def test_a_deleted_middle_event_is_a_gap(events: list[HistoryEvent]) -> None:
    with as_attacker() as cursor:
        cursor.execute("DELETE FROM plans_historyevent WHERE id = %s", [events[2].pk])
    report = verify_chains()
    chain = report.chains[0]
    assert chain.problem == "gap" and chain.first_bad_sequence == events[3].pk
    assert "3" in chain.detail


def test_an_inserted_event_is_caught(events: list[HistoryEvent]) -> None:
    """Forge an event at position 5, pushing the real one to 6 (its hash covers its position)."""
    last = events[-1]
    fifth = events[4]
    with as_attacker() as cursor:
        cursor.execute("UPDATE plans_historyevent SET chain_seq = %s WHERE id = %s", [last.chain_seq + 1, last.pk])
        cursor.execute("UPDATE plans_historyevent SET chain_seq = %s WHERE id = %s", [fifth.chain_seq + 1, fifth.pk])
        forged = HistoryEvent(
            chain_id=fifth.chain_id, chain_seq=fifth.chain_seq, occurred_at=fifth.occurred_at, source="api",
            action="update", object_type="plans.plan", object_id=fifth.object_id, plan_id=fifth.plan_id,
            changes={"grant_amount": [None, "9999999.00"]}, prev_hash=events[3].hash,
        )
        forged.hash = compute_hash(forged)
        forged.save(force_insert=True)
    report = verify_chains()
    assert not report.ok
    assert report.first_bad_sequence == fifth.pk  # the real event no longer fits where it now sits


def test_an_event_appended_behind_the_heads_back_is_caught(events: list[HistoryEvent]) -> None:
    last = events[-1]
    forged = HistoryEvent(
        chain_id=last.chain_id, chain_seq=last.chain_seq + 1, occurred_at=last.occurred_at, source="api",
        action="update", object_type="plans.plan", object_id=last.object_id, plan_id=last.plan_id,
        changes={"title": ["PMC lácteo", "Otro"]}, prev_hash=last.hash,
    )
    forged.hash = compute_hash(forged)
    forged.save(force_insert=True)  # inserts are allowed: only the head knows the chain's length
    report = verify_chains()
    assert report.chains[0].problem == "beyond_head"


def test_a_cut_tail_is_caught_by_the_head(events: list[HistoryEvent]) -> None:
    with as_attacker() as cursor:
        cursor.execute("DELETE FROM plans_historyevent WHERE id IN (%s, %s)", [events[-1].pk, events[-2].pk])
    report = verify_chains()
    chain = report.chains[0]
    assert not report.ok and chain.problem == "tail_missing"
    assert chain.first_bad_position == len(events) - 1


def test_a_full_rewrite_passes_alone_but_fails_against_an_external_anchor(events: list[HistoryEvent]) -> None:
    anchors = chain_heads()
    assert anchors == [Anchor(events[0].chain_id, len(events), events[-1].hash)]
    # The attacker cuts the last event and moves the head back: a consistent, shorter chain.
    with as_attacker() as cursor:
        cursor.execute("DELETE FROM plans_historyevent WHERE id = %s", [events[-1].pk])
        cursor.execute(
            "UPDATE plans_historychainhead SET last_seq = %s, last_hash = %s WHERE chain_id = %s",
            [events[-2].chain_seq, events[-2].hash, events[0].chain_id],
        )
    assert verify_chains().ok
    report = verify_chains(anchors=anchors)
    assert not report.ok and report.chains[0].problem == "anchor_missing"


def test_a_rewritten_anchored_event_is_named(events: list[HistoryEvent]) -> None:
    anchor = Anchor(events[0].chain_id, events[2].chain_seq, events[2].hash)
    with as_attacker() as cursor:
        cursor.execute("UPDATE plans_historyevent SET hash = %s WHERE id = %s", ["0" * 64, events[2].pk])
    report = verify_chains(anchors=[anchor])
    assert report.first_bad_sequence == events[2].pk


def test_command_reports_ok_and_exits_1_naming_the_event(events: list[HistoryEvent]) -> None:
    out = StringIO()
    call_command("verify_history", stdout=out)
    assert "OK: 6 events checked" in out.getvalue()
    with as_attacker() as cursor:
        cursor.execute("UPDATE plans_historyevent SET actor_label = 'x' WHERE id = %s", [events[1].pk])
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_history", stdout=out)
    assert exit_info.value.code == 1
    assert f"#{events[1].pk}" in out.getvalue() and "hash_mismatch" in out.getvalue()


def test_command_prints_heads_and_checks_anchors(events: list[HistoryEvent], tmp_path: Any) -> None:
    out = StringIO()
    call_command("verify_history", "--heads", stdout=out)
    line = f"{events[0].chain_id}:{len(events)}:{events[-1].hash}"
    assert line in out.getvalue()
    anchors = tmp_path / "anchors.txt"
    anchors.write_text(out.getvalue())
    out = StringIO()
    call_command("verify_history", "--anchors-file", str(anchors), stdout=out)
    assert "OK" in out.getvalue()


def test_api_verify_scopes_chains_by_role(
    events: list[HistoryEvent], cluster: Cluster, user_with_role: Callable[..., Any], client_for: Callable[..., Any],
) -> None:
    other = make_cluster("otro")
    make_plan(other)
    url = "/api/v1/audit/verify/"
    local = client_for(user_with_role("aud-local", Role.AUDITOR, cluster)).get(url)
    assert local.status_code == 200
    assert local.json()["ok"] is True and [c["chain_id"] for c in local.json()["chains"]] == [cluster.pk]
    everywhere = client_for(user_with_role("aud-global", Role.AUDITOR, None)).get(url).json()
    assert {c["chain_id"] for c in everywhere["chains"]} >= {cluster.pk, other.pk}
    assert everywhere["events_checked"] == HistoryEvent.objects.count()
    assert client_for(user_with_role("coord", Role.COORDINATOR, cluster)).get(url).status_code == 200
    assert client_for(user_with_role("stake", Role.STAKEHOLDER, cluster)).get(url).status_code == 403
    assert client_for(user_with_role("aud-w", Role.AUDITOR, cluster)).post(url, {}).status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get(url).status_code == 401


def test_api_verify_names_the_first_bad_sequence(
    events: list[HistoryEvent], auditor: Any, client_for: Callable[..., Any],
) -> None:
    with as_attacker() as cursor:
        cursor.execute("UPDATE plans_historyevent SET object_repr = 'x' WHERE id = %s", [events[4].pk])
    body = client_for(auditor).get("/api/v1/audit/verify/").json()
    assert body["ok"] is False and body["first_bad_sequence"] == events[4].pk
    assert body["chains"][0]["problem"] == "hash_mismatch"
    assert HistoryChainHead.objects.get(chain_id=events[0].chain_id).last_seq == len(events)


def test_api_verify_can_check_some_chains_only_within_scope(
    events: list[HistoryEvent], cluster: Cluster, user_with_role: Callable[..., Any], client_for: Callable[..., Any],
) -> None:
    other = make_cluster("otro")
    url = "/api/v1/audit/verify/"
    everywhere = client_for(user_with_role("aud-global", Role.AUDITOR, None))
    body = everywhere.get(url, {"chain": str(other.pk)}).json()
    assert [c["chain_id"] for c in body["chains"]] == [other.pk] and body["events_checked"] == 1
    local = client_for(user_with_role("aud-local", Role.AUDITOR, cluster))
    assert local.get(url, {"chain": str(cluster.pk)}).json()["events_checked"] == len(events)
    assert local.get(url, {"chain": "x"}).status_code == 400


def test_api_verify_answers_404_for_unknown_or_out_of_scope_chains(
    events: list[HistoryEvent], cluster: Cluster, user_with_role: Callable[..., Any], client_for: Callable[..., Any],
) -> None:
    other = make_cluster("otro")
    url = "/api/v1/audit/verify/"
    local = client_for(user_with_role("aud-local", Role.AUDITOR, cluster))
    # Another cluster's chain, the programme-wide chain and a chain that does not exist look alike.
    for chain in (f"{cluster.pk},{other.pk}", str(other.pk), "0", "999999"):
        assert local.get(url, {"chain": chain}).status_code == 404, chain
    everywhere = client_for(user_with_role("aud-global", Role.AUDITOR, None))
    assert everywhere.get(url, {"chain": "999999"}).status_code == 404
    assert everywhere.get(url, {"chain": "0"}).status_code == 200


def test_verify_schema_documents_the_400_and_404(auditor: Any, client_for: Callable[..., Any]) -> None:
    schema = client_for(auditor).get("/api/v1/schema/", {"format": "json"}).json()
    responses = schema["paths"]["/api/v1/audit/verify/"]["get"]["responses"]
    for code in ("400", "404"):
        assert responses[code]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
