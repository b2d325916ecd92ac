"""The database refuses to change or delete history events, on PostgreSQL and on SQLite."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from plans.models import HistoryChainHead, HistoryEvent, Plan

from .helpers import change

pytestmark = pytest.mark.django_db


def first_event(plan: Plan) -> HistoryEvent:
    return HistoryEvent.objects.filter(plan_id=plan.pk).earliest("id")


def test_raw_sql_update_of_an_event_is_refused(plan: Plan) -> None:
    event = first_event(plan)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE plans_historyevent SET reason = %s WHERE id = %s", ["rewritten", event.pk])
    event.refresh_from_db()
    assert event.reason == ""


def test_raw_sql_delete_of_an_event_is_refused(plan: Plan) -> None:
    event = first_event(plan)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM plans_historyevent WHERE id = %s", [event.pk])
    assert HistoryEvent.objects.filter(pk=event.pk).exists()


def test_orm_save_queryset_update_and_delete_are_refused(plan: Plan) -> None:
    event = first_event(plan)
    event.reason = "rewritten"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        HistoryEvent.objects.filter(plan_id=plan.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        HistoryEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        first_event(plan).delete()
    assert HistoryEvent.objects.filter(plan_id=plan.pk, reason="rewritten").count() == 0


def test_appending_still_works_and_heads_only_move_forward(plan: Plan) -> None:
    change(plan, vision="Lácteos de calidad")
    head = HistoryChainHead.objects.get(chain_id=plan.cluster_id)
    assert head.last_seq == 3  # cluster create, plan create, plan update
    with pytest.raises(DatabaseError), transaction.atomic():
        HistoryChainHead.objects.filter(pk=head.pk).update(last_seq=1)  # cutting the tail
    with pytest.raises(DatabaseError), transaction.atomic():
        HistoryChainHead.objects.filter(pk=head.pk).update(last_seq=4, last_hash="f" * 64)  # no such event
    with pytest.raises(DatabaseError), transaction.atomic():
        HistoryChainHead.objects.filter(pk=head.pk).delete()
    head.refresh_from_db()
    assert head.last_seq == 3


def test_guards_are_installed_for_this_vendor() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'plans_historyevent'::regclass AND NOT tgisinternal"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'plans_historyevent'")
        names = {row[0] for row in cursor.fetchall()}
    assert names  # one (PostgreSQL) or two (SQLite) append-only triggers


def test_the_admin_offers_no_way_to_change_history(plan: Plan, rf: Any) -> None:
    """Even a programme administrator: no add, change or delete; chain heads not exposed at all."""
    from django.contrib import admin

    from tests.factories import UserFactory

    admin_user = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    request = rf.get("/admin/")
    request.user = admin_user
    assert HistoryChainHead not in admin.site._registry
    model_admin = admin.site._registry.get(HistoryEvent)
    if model_admin is None:
        return  # not in the admin at all
    event = first_event(plan)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert not model_admin.get_actions(request).get("delete_selected")


@pytest.mark.django_db(transaction=True)
def test_committed_history_is_guarded_and_a_flush_still_wipes_the_database() -> None:
    """Transactional tests end with `flush`: on SQLite a DELETE the guards would refuse."""
    from .helpers import make_cluster, make_plan

    plan = make_plan(make_cluster("committed"))
    with pytest.raises(DatabaseError), transaction.atomic():
        first_event(plan).delete()
    from django.core.management import call_command

    call_command("flush", verbosity=0, interactive=False)
    assert not HistoryEvent.objects.exists() and not HistoryChainHead.objects.exists()
    make_plan(make_cluster("after-flush"))  # the guards are back and appending works
    with pytest.raises(DatabaseError), transaction.atomic():
        HistoryEvent.objects.all().delete()


def _drop_a_guard() -> str:
    """What an attacker (or a careless restore) with database access could do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER plans_historyevent_append_only ON plans_historyevent")
            return "plans_historyevent_append_only"
        cursor.execute("DROP TRIGGER plans_historyevent_no_update")
        return "plans_historyevent_no_update"


def test_verify_history_reports_a_dropped_guard_and_exits_non_zero(plan: Plan) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("verify_history", stdout=out)
    assert "GUARD" not in out.getvalue()
    name = _drop_a_guard()
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_history", stdout=out)
    assert exit_info.value.code == 1
    assert f"GUARD MISSING: trigger {name}" in out.getvalue() and "not protected" in out.getvalue()
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_history", "--json", stdout=out)
    assert any(name in problem for problem in __import__("json").loads(out.getvalue())["guard_problems"])


def test_a_disabled_guard_is_reported_too(on_postgres: None) -> None:  # SQLite triggers cannot be disabled
    from plans.audit.guards import guard_problems

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE plans_historychainhead DISABLE TRIGGER plans_historychainhead_forward_only")
    assert guard_problems(connection) == [
        "trigger plans_historychainhead_forward_only on plans_historychainhead is disabled"
    ]


def test_post_migrate_reinstalls_a_dropped_guard(plan: Plan) -> None:
    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    from plans.audit.guards import guard_problems

    name = _drop_a_guard()
    assert [p for p in guard_problems(connection) if name in p]
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias, apps=apps)
    assert guard_problems(connection) == []
    event = first_event(plan)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE plans_historyevent SET reason = %s WHERE id = %s", ["rewritten", event.pk])
