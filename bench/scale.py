"""Large synthetic plans for benchmarks (`python -m bench.scale_data`): bulk inserts in batches, one event per batch.

The services write one event per row, which is right for people and far too slow for a
million rows. Here each `bulk_create` batch and its "bulk_create" event (with the count and
the id range) share one transaction, so the history still accounts for every row and the
PostgreSQL capture triggers see an application write. Progress (project and plan) is
computed from the same deterministic milestone pattern before the rows are inserted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from plans.models import Cluster, Phase, Plan, Source, StrategicLine
from plans.services.clusters import cluster_create
from plans.services.history import Actor, record_event
from plans.services.plans import DEFAULT_PHASES
from projects.models import Milestone, Project

M = TypeVar("M", bound=models.Model)
ACTOR = Actor.system(Source.COMMAND)
CATEGORIES = [c.value for c in Project.Category]
LINES_PER_PLAN = 3
# A repeating pattern of 20 milestone states: 8 pending, 4 in progress, 7 completed, 1 cancelled.
PATTERN = ("pending",) * 8 + ("in_progress",) * 4 + ("completed",) * 7 + ("cancelled",)


@dataclass
class ScaleResult:
    clusters: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    events: int = 0


def milestone_state(project_index: int, k: int) -> tuple[str, int, int]:
    """(status, weight, due offset in days) of milestone k of a project: deterministic and varied."""
    status = PATTERN[(project_index + k) % len(PATTERN)]
    weight = 1 + (project_index + k) % 3
    offset = ((project_index * 7 + k * 37) % 730) - 365  # within a year either side of today
    if status == "completed":
        offset = -abs(offset) - 1
    return status, weight, offset


def project_progress(project_index: int, milestones: int) -> tuple[int, int]:
    """Completed weight and counted weight (cancelled milestones do not count)."""
    done = total = 0
    for k in range(milestones):
        status, weight, _ = milestone_state(project_index, k)
        if status != "cancelled":
            total += weight
            done += weight if status == "completed" else 0
    return done, total


def percent(done: int, total: int) -> Decimal:
    return (Decimal(100) * done / total).quantize(Decimal("0.01")) if total else Decimal(0)


def batched(items: Iterable[M], size: int) -> Iterator[list[M]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class ScaleBuilder:
    def __init__(self, *, plans: int, projects: int, milestones: int, clusters: int = 1, batch_size: int = 5000,
                 progress: Callable[[int], Any] | None = None) -> None:
        self.plans, self.projects, self.milestones = plans, projects, milestones
        self.clusters, self.batch_size = clusters, batch_size
        self.progress = progress or (lambda n: None)
        self.today = timezone.localdate()
        self.result = ScaleResult()

    @property
    def total_rows(self) -> int:
        per_plan = 1 + len(DEFAULT_PHASES) + LINES_PER_PLAN + self.projects * (1 + self.milestones)
        return self.plans * per_plan

    def run(self) -> ScaleResult:
        first = Cluster.objects.filter(slug__startswith="scale-").count()
        clusters = [
            cluster_create(actor=ACTOR, name=f"Scale cluster {first + n}", slug=f"scale-{first + n:05d}",
                           sector="Synthetic data for benchmarks", is_sample=True)
            for n in range(min(self.clusters, max(self.plans, 1)))
        ]
        self.result.clusters = len(clusters)
        for n, cluster in enumerate(clusters):
            share = self.plans // len(clusters) + (1 if n < self.plans % len(clusters) else 0)
            self._cluster(cluster, share)
        return self.result

    # --- one bulk operation = one transaction = one history event -------------------------
    def _insert(self, model: type[M], rows: list[M], cluster: Cluster, plan_id: int | None = None) -> list[M]:
        with transaction.atomic():
            created = model._default_manager.bulk_create(rows, batch_size=self.batch_size)
            ids = [row.pk for row in created]
            record_event(
                actor=ACTOR, action="bulk_create", object_type=model._meta.label_lower,
                object_repr=f"{len(created)} x {model._meta.verbose_name}", cluster_id=cluster.pk, plan_id=plan_id,
                context={"count": len(created), "first_id": min(ids, default=None), "last_id": max(ids, default=None),
                         "generator": "bench.scale_data"},
            )
        label = model._meta.label
        self.result.counts[label] = self.result.counts.get(label, 0) + len(created)
        self.result.events += 1
        self.progress(len(created))
        return created

    def _cluster(self, cluster: Cluster, plans: int) -> None:
        plan_rows = [
            Plan(cluster=cluster, title=f"Scale plan {cluster.slug}/{e}", edition=e, status=Plan.Status.IN_EXECUTION)
            for e in range(1, plans + 1)
        ]
        created_plans: list[Plan] = []
        for batch in batched(plan_rows, self.batch_size):
            created_plans += self._insert(Plan, batch, cluster)
        self._phases_and_lines(cluster, created_plans)
        for plan in created_plans:
            self._plan_projects(cluster, plan)

    def _phases_and_lines(self, cluster: Cluster, plans: list[Plan]) -> None:
        def phases() -> Iterator[Phase]:
            for plan in plans:
                for order, (kind, title) in enumerate(DEFAULT_PHASES, start=1):
                    yield Phase(plan=plan, order=order, kind=kind, title=str(title))

        def lines() -> Iterator[StrategicLine]:
            for plan in plans:
                for n in range(1, LINES_PER_PLAN + 1):
                    yield StrategicLine(plan=plan, code=f"L{n}", title=f"Strategic line {n}", order=n)

        for batch in batched(phases(), self.batch_size):
            self._insert(Phase, batch, cluster)
        for line_batch in batched(lines(), self.batch_size):
            self._insert(StrategicLine, line_batch, cluster)

    def _plan_projects(self, cluster: Cluster, plan: Plan) -> None:
        line_ids = list(StrategicLine.objects.filter(plan=plan).values_list("pk", flat=True))
        plan_done = plan_total = 0
        rows = []
        for i in range(self.projects):
            done, total = project_progress(i, self.milestones)
            plan_done, plan_total = plan_done + done, plan_total + total
            rows.append(Project(
                plan=plan, strategic_line_id=line_ids[i % len(line_ids)], code=f"S-{i + 1:06d}",
                title=f"Synthetic project {i + 1}", category=CATEGORIES[i % len(CATEGORIES)],
                status=Project.Status.IN_EXECUTION, progress=percent(done, total),
            ))
        projects: list[Project] = []
        for batch in batched(rows, self.batch_size):
            projects += self._insert(Project, batch, cluster, plan_id=plan.pk)
        for milestone_batch in batched(self._milestones(plan, projects), self.batch_size):
            self._insert(Milestone, milestone_batch, cluster, plan_id=plan.pk)
        # One derived value, written with the plan's last batch event already in the history.
        with transaction.atomic():
            Plan.objects.filter(pk=plan.pk).update(progress=percent(plan_done, plan_total))
            record_event(actor=ACTOR, action="update", instance=plan, reason="progress of the generated milestones",
                         changes={"progress": ["0.00", str(percent(plan_done, plan_total))]})
        self.result.events += 1

    def _milestones(self, plan: Plan, projects: list[Project]) -> Iterator[Milestone]:
        for i, project in enumerate(projects):
            for k in range(self.milestones):
                status, weight, offset = milestone_state(i, k)
                due = self.today + dt.timedelta(days=offset)
                yield Milestone(
                    project_id=project.pk, plan_id=plan.pk, title=f"Milestone {k + 1} of {project.code}",
                    due_date=due, baseline_due_date=due, weight=weight, status=status,
                    completed_on=due if status == "completed" else None,
                )
