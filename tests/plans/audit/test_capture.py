"""PostgreSQL: writes that bypass the services are caught at the database and sealed into the
history as events made outside the application (source "database", outside_app=True)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from plans.audit.guards import captured_models, tables_with_capture
from plans.audit.seal import pending_count, seal_outside_writes
from plans.audit.verify import verify_chains
from plans.models import HistoryEvent, Phase, Plan, Role, Source

from .helpers import change, make_cluster, make_phase, make_plan

# Capture happens at commit (deferred triggers), so these tests commit for real.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def plan(on_postgres: None) -> Plan:
    plan = make_plan(make_cluster())
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pmc_outside_write")  # left by other tests' factories
    return plan


def outside_events(plan: Plan) -> list[HistoryEvent]:
    return list(HistoryEvent.objects.filter(plan_id=plan.pk, outside_app=True).order_by("id"))


def test_every_domain_table_has_the_capture_trigger(on_postgres: None) -> None:
    tables = {m._meta.db_table for m in captured_models()}
    assert {"plans_plan", "plans_phase", "projects_milestone", "projects_project"} <= tables
    assert tables - tables_with_capture(connection) == set()


def test_service_writes_are_not_captured(plan: Plan) -> None:
    change(plan, vision="Calidad")
    phase = make_phase(plan)
    change(phase, title="Primer foro")
    assert pending_count() == 0


def test_queryset_update_is_captured_and_sealed_with_old_and_new(plan: Plan) -> None:
    Plan.objects.filter(pk=plan.pk).update(vision="cambiada a mano")  # autocommit: its own transaction
    assert pending_count() == 1
    assert seal_outside_writes() == 1
    assert pending_count() == 0
    [event] = outside_events(plan)
    assert event.source == Source.DATABASE and event.action == "update"
    assert event.changes == {"vision": ["", "cambiada a mano"]}
    assert event.object_type == "plans.plan" and event.object_id == plan.pk
    assert event.chain_id == plan.cluster_id and event.context["db_user"]
    assert event.actor_label.startswith("db:")
    assert verify_chains().ok  # sealed events are chained like any other


def test_bulk_update_raw_insert_and_delete_are_captured(plan: Plan) -> None:
    first, second = make_phase(plan, 1, "Lanzamiento"), make_phase(plan, 2, "Diagnóstico")
    first.title, second.title = "Lanzamiento (editado)", "Diagnóstico (editado)"
    Phase.objects.bulk_update([first, second], ["title"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM plans_phase WHERE id = %s", [second.pk])
    assert seal_outside_writes() == 3
    events = outside_events(plan)
    assert [(e.action, e.object_id) for e in events] == [
        ("update", first.pk), ("update", second.pk), ("delete", second.pk)
    ]
    assert events[0].changes == {"title": ["Lanzamiento", "Lanzamiento (editado)"]}
    assert events[2].changes["title"] == ["Diagnóstico (editado)", None]  # the last values
    assert events[2].changes["order"] == [2, None]


def test_a_service_transaction_covers_its_derived_queryset_updates(plan: Plan) -> None:
    with transaction.atomic():
        change(plan, vision="Calidad")
        Plan.objects.filter(pk=plan.pk).update(progress=10)  # as the milestone services keep progress
    assert pending_count() == 0


def test_sealed_changes_show_in_the_timeline_marked_outside_the_application(
    plan: Plan, user_with_role: Callable[..., Any], client_for: Callable[..., Any],
) -> None:
    Plan.objects.filter(pk=plan.pk).update(title="Renombrado por SQL")
    auditor = user_with_role("aud", Role.AUDITOR, plan.cluster)
    body = client_for(auditor).get(f"/api/v1/plans/{plan.pk}/history/").json()  # seals just in time
    newest = body["results"][0]
    assert newest["outside_app"] is True and newest["source"] == "database"
    assert newest["changes"] == [
        {"field": "title", "label": "title", "old": "PMC lácteo", "new": "Renombrado por SQL"}
    ]


def test_a_projects_row_changed_by_sql_lands_in_its_plans_timeline_via_the_command(plan: Plan) -> None:
    from io import StringIO

    from django.core.management import call_command

    from projects.models import Milestone
    from tests.factories import MilestoneFactory

    with transaction.atomic():
        from plans.services.history import declare_application_write

        declare_application_write()  # arranged rows: not an outside write
        milestone = MilestoneFactory.create(project__plan=plan, title="Estudio de mercado")
    assert pending_count() == 0
    Milestone.objects.filter(pk=milestone.pk).update(title="Estudio de mercado (SQL)", weight=3)
    out = StringIO()
    call_command("seal_history", stdout=out)
    assert out.getvalue().startswith("1 change")
    [event] = outside_events(plan)
    assert event.object_type == "projects.milestone" and event.chain_id == plan.cluster_id
    assert event.changes == {"title": ["Estudio de mercado", "Estudio de mercado (SQL)"], "weight": [1, 3]}
