"""A plan built only through the services, so its history holds every change: what the as-of
views rebuild. Moments are recorded as the story goes, for "the plan just before this change"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from plans.models import HistoryEvent, Plan, Role, RoleAssignment, Source
from plans.services.clusters import cluster_create
from plans.services.forums import forum_schedule
from plans.services.history import Actor
from plans.services.plans import plan_create, strategic_line_create
from projects.models import Milestone, Project
from projects.services.milestones import milestone_complete, milestone_create, milestone_reschedule
from projects.services.projects import project_create
from tests import factories as f

ROLES = {"coordinator": Role.COORDINATOR, "stakeholder": Role.STAKEHOLDER, "auditor": Role.AUDITOR}


@dataclass
class Story:
    plan: Plan
    project: Project
    late: Milestone  # overdue until it is completed
    users: dict[str, Any] = field(default_factory=dict)
    moments: dict[str, HistoryEvent] = field(default_factory=dict)


def tell(slug: str = "lacteo") -> Story:
    actor = Actor.system(Source.COMMAND)
    today = timezone.localdate()
    cluster = cluster_create(actor=actor, name=f"Clúster {slug}", slug=slug)
    plan = plan_create(cluster_id=cluster.pk, actor=actor, title="PMC Lácteo")
    line = strategic_line_create(plan_id=plan.pk, actor=actor, code="E1", title="Calidad de leche")
    project = project_create(plan_id=plan.pk, actor=actor, code="P-01", title="Laboratorio", category="quality",
                             strategic_line=line.pk)
    late = milestone_create(project_id=project.pk, actor=actor, title="Equipar el laboratorio",
                            due_date=today - dt.timedelta(days=5))
    soon = milestone_create(project_id=project.pk, actor=actor, title="Primer muestreo",
                            due_date=today + dt.timedelta(days=3))
    milestone_create(project_id=project.pk, actor=actor, title="Informe final", due_date=today + dt.timedelta(days=90),
                     weight=3)
    phase = plan.phases.order_by("order").first()
    assert phase is not None
    forum_schedule(phase_id=phase.pk, actor=actor, title="Foro II", starts_at=timezone.now() + dt.timedelta(days=9))
    story = Story(plan=plan, project=project, late=late)
    soon = milestone_reschedule(milestone_id=soon.pk, actor=actor, due_date=today + dt.timedelta(days=4),
                                reason="Lluvias")
    story.moments["rescheduled"] = HistoryEvent.objects.latest("id")
    milestone_complete(milestone_id=late.pk, actor=actor, completed_on=today, note="Listo")
    story.moments["completed"] = HistoryEvent.objects.latest("id")
    for name, role in ROLES.items():
        story.users[name] = f.UserFactory.create(username=f"{name}-{slug}")
        RoleAssignment.objects.create(user=story.users[name], cluster=cluster, role=role)
    return story
