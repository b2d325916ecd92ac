"""The Competitive Improvement Plan (PMC), its strategic lines and consensus phases."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import StatusMixin, VersionedModel
from .cluster import Cluster


class Plan(StatusMixin, VersionedModel):
    cluster_path = "cluster"
    as_of_section = "plan"

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        FORMULATION = "formulation", _("formulation")
        VALIDATED = "validated", _("validated")
        APPROVED = "approved", _("approved")
        IN_EXECUTION = "in_execution", _("in execution")
        CLOSED = "closed", _("closed")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        Status.DRAFT: (Status.FORMULATION, Status.CANCELLED),
        Status.FORMULATION: (Status.VALIDATED, Status.CANCELLED),
        Status.VALIDATED: (Status.APPROVED, Status.FORMULATION, Status.CANCELLED),
        Status.APPROVED: (Status.IN_EXECUTION, Status.CANCELLED),
        Status.IN_EXECUTION: (Status.CLOSED, Status.CANCELLED),
        Status.CLOSED: (),
        Status.CANCELLED: (),
    }
    OPEN_STATUSES: ClassVar[frozenset[str]] = frozenset(
        {Status.DRAFT, Status.FORMULATION, Status.VALIDATED, Status.APPROVED, Status.IN_EXECUTION}
    )

    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="plans", verbose_name=_("cluster"))
    title = models.CharField(_("title"), max_length=250)
    edition = models.PositiveSmallIntegerField(_("plan version"), default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reformulation",
        verbose_name=_("reformulates"),
    )
    vision = models.TextField(_("vision"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    grant_amount = models.DecimalField(_("grant amount"), max_digits=16, decimal_places=2, null=True, blank=True)
    grant_currency = models.CharField(_("grant currency"), max_length=3, default="ARS")
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    # A decision "by the forum" needs this share of the active full members present at the forum.
    forum_quorum_percent = models.PositiveSmallIntegerField(
        _("forum quorum (%)"), default=50, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Share of the active full member organizations that must attend a forum for a decision "
                    "by forum consensus."),
    )
    # Kept by the milestone services: 0-100, weighted by milestone weight over all projects.
    progress = models.DecimalField(_("progress"), max_digits=5, decimal_places=2, default=0, editable=False)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["cluster_id", "-edition"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "edition"], name="plan_unique_edition_per_cluster",
                violation_error_message=_("The cluster already has a plan of this edition.")),
            models.CheckConstraint(
                condition=Q(grant_amount__gte=0), name="plan_grant_not_negative",
                violation_error_message=_("The grant amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(forum_quorum_percent__gte=1) & Q(forum_quorum_percent__lte=100),
                name="plan_forum_quorum_1_100",
                violation_error_message=_("The forum quorum is a percentage between 1 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="plan_progress_0_100",
                violation_error_message=_("Progress is a percentage between 0 and 100."),
            ),
        ]
        indexes = [models.Index(fields=["status"], name="plan_status_idx")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.edition})"

    def history_plan_id(self) -> int | None:
        return self.pk


class StrategicLine(VersionedModel):
    """Eje estratégico: projects hang from one."""

    cluster_path = "plan__cluster"
    as_of_section = "strategic_lines"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="strategic_lines", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("strategic line")
        verbose_name_plural = _("strategic lines")
        ordering = ["plan_id", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="strategicline_unique_code_per_plan",
            violation_error_message=_("The plan already has a strategic line with this code."))]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def history_plan_id(self) -> int | None:
        return self.plan_id


class Phase(StatusMixin, VersionedModel):
    """A consensus step of the plan; one is active at a time, in order."""

    cluster_path = "plan__cluster"
    as_of_section = "phases"

    class Kind(models.TextChoices):
        LAUNCH = "launch", _("launch forum")
        DIAGNOSIS = "diagnosis", _("diagnosis")
        STRATEGY = "strategy", _("vision and strategic lines")
        PROJECT_FORMULATION = "project_formulation", _("project formulation and prioritisation")
        VALIDATION = "validation", _("validation and approval")
        INSTITUTIONALISATION = "institutionalisation", _("institutionalisation")
        EXECUTION = "execution", _("execution")
        MONITORING = "monitoring", _("monitoring and evaluation")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACTIVE = "active", _("active")
        COMPLETED = "completed", _("completed")
        SKIPPED = "skipped", _("skipped")

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        Status.PENDING: (Status.ACTIVE, Status.SKIPPED),
        Status.ACTIVE: (Status.COMPLETED, Status.SKIPPED),
        Status.COMPLETED: (),
        Status.SKIPPED: (),
    }

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phases", verbose_name=_("plan"))
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.TextField(_("reason for skipping"), blank=True)
    outcome_agreement = models.ForeignKey(
        "plans.Agreement", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("outcome agreement"),
    )

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["plan_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="phase_unique_order_per_plan",
                violation_error_message=_("The plan already has a phase in this position.")),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status="active"), name="phase_one_active_per_plan",
                violation_error_message=_("Another phase of this plan is already active."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True) | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="phase_planned_dates_in_order",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | Q(actual_start__isnull=True)
                | Q(actual_end__gte=F("actual_start")),
                name="phase_actual_dates_in_order",
                violation_error_message=_("The actual end cannot be before the actual start."),
            ),
            models.CheckConstraint(
                condition=~Q(status="skipped") | ~Q(skip_reason=""), name="phase_skip_needs_reason",
                violation_error_message=_("A skipped phase needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(outcome_agreement__isnull=False),
                name="phase_completed_needs_agreement",
                violation_error_message=_("A completed phase needs the adopted agreement that closed it."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def history_plan_id(self) -> int | None:
        return self.plan_id
