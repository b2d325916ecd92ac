"""Helpers for the audit tests: objects built through the recording core, and acting as an
attacker with database access."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from plans.audit.guards import guards_suspended
from plans.models import Cluster, Phase, Plan, Source
from plans.services.history import Actor, create_with_history, update_with_history

ACTOR = Actor.system(Source.COMMAND)


def make_cluster(slug: str = "lacteo") -> Cluster:
    with transaction.atomic():
        return create_with_history(Cluster(name=f"Clúster {slug}", slug=slug), actor=ACTOR)


def make_plan(cluster: Cluster, title: str = "PMC lácteo", actor: Actor = ACTOR) -> Plan:
    with transaction.atomic():
        return create_with_history(Plan(cluster=cluster, title=title), actor=actor)


def make_phase(plan: Plan, order: int = 1, title: str = "Foro de lanzamiento", actor: Actor = ACTOR) -> Phase:
    with transaction.atomic():
        return create_with_history(Phase(plan=plan, order=order, kind=Phase.Kind.LAUNCH, title=title), actor=actor)


def change(instance: Any, actor: Actor = ACTOR, **values: Any) -> None:
    with transaction.atomic():
        update_with_history(instance, actor=actor, values=values)


@contextmanager
def as_attacker() -> Iterator[Any]:
    """Raw SQL with the append-only triggers switched off, as someone owning the database would
    (PostgreSQL: ALTER TABLE ... DISABLE TRIGGER; SQLite: DROP TRIGGER, recreated after)."""
    with guards_suspended(connection), connection.cursor() as cursor:
        yield cursor


__all__ = ["ACTOR", "as_attacker", "change", "make_cluster", "make_phase", "make_plan"]
