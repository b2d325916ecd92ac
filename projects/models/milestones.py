"""Milestones of a project and the progress notes posted on them."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.models import Plan, Stakeholder, StatusMixin, VersionedModel

from .project import Project


class Milestone(StatusMixin, VersionedModel):
    cluster_path = "plan__cluster"
    as_of_section = "milestones"

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        Status.PENDING: (Status.IN_PROGRESS, Status.COMPLETED, Status.CANCELLED),
        Status.IN_PROGRESS: (Status.COMPLETED, Status.PENDING, Status.CANCELLED),
        Status.COMPLETED: (),
        Status.CANCELLED: (),
    }
    OPEN_STATUSES: ClassVar[tuple[str, ...]] = (Status.PENDING, Status.IN_PROGRESS)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project"))
    # Repeats project.plan so plan-wide lists and reminder sweeps need no join.
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("plan"))
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"))
    baseline_due_date = models.DateField(_("baseline due date"), editable=False)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    responsible = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="milestones",
        verbose_name=_("responsible"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completion_note = models.TextField(_("completion note"), blank=True)
    evidence_url = models.URLField(_("evidence"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="milestone_weight_positive",
                violation_error_message=_("A milestone's weight is at least 1.")),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_on__isnull=False),
                name="milestone_completed_has_date",
                violation_error_message=_("A completed milestone needs the date it was completed."),
            ),
            models.CheckConstraint(
                condition=Q(status="completed") | Q(completed_on__isnull=True),
                name="milestone_date_only_when_completed",
                violation_error_message=_("Only a completed milestone has a completion date."),
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "status", "due_date"], name="milestone_plan_status_due_idx"),
            models.Index(fields=["project", "due_date"], name="milestone_project_due_idx"),
            models.Index(fields=["status", "due_date"], name="milestone_status_due_idx"),
            # The milestone list's "responsible" filter: who answers for the plan's milestones, without
            # walking every milestone (160 ms -> 1.5 ms at 1M milestones, docs/benchmarks.md "Load").
            models.Index(fields=["plan", "responsible"], name="milestone_plan_responsible_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue_on(self, today: dt.date) -> bool:
        return self.status in self.OPEN_STATUSES and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    def history_plan_id(self) -> int | None:
        return self.plan_id


class MilestoneUpdate(VersionedModel):
    """A dated progress note (avance) by a stakeholder or coordinator."""

    cluster_path = "milestone__plan__cluster"

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="updates",
        verbose_name=_("milestone"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("author"),
    )
    posted_on = models.DateField(_("date"))
    note = models.TextField(_("note"))
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True)
    # The responsible person asks the coordinator to mark the milestone completed (who confirms).
    proposes_completion = models.BooleanField(_("proposes completion"), default=False)

    class Meta:
        verbose_name = _("milestone update")
        verbose_name_plural = _("milestone updates")
        ordering = ["milestone_id", "-posted_on", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(note=""), name="milestoneupdate_note_not_blank",
            violation_error_message=_("A progress note cannot be empty."))]

    def __str__(self) -> str:
        return f"{self.posted_on}: {self.note[:40]}"

    def history_plan_id(self) -> int | None:
        return self.milestone.plan_id
