"""Projects produced by a plan, their beneficiaries and funding."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from plans.models import Organization, Plan, StatusMixin, StrategicLine, VersionedModel


class Currency(models.TextChoices):
    ARS = "ARS", _("Argentine peso")
    USD = "USD", _("US dollar")


class Project(StatusMixin, VersionedModel):
    cluster_path = "plan__cluster"
    as_of_section = "projects"

    class Category(models.TextChoices):
        QUALITY = "quality", _("quality")
        PROMOTION = "promotion", _("promotion and commercialisation")
        INSTITUTIONAL = "institutional", _("institutional development")
        INFRASTRUCTURE = "infrastructure", _("infrastructure")
        TECHNOLOGY = "technology", _("technology and innovation")
        TRAINING = "training", _("training")
        OTHER = "other", _("other")

    class GoodType(models.TextChoices):
        PUBLIC = "public", _("public good")
        CLUB = "club", _("club good")

    class Status(models.TextChoices):
        IDEA = "idea", _("idea")
        FORMULATED = "formulated", _("formulated")
        PRIORITISED = "prioritised", _("prioritised")
        APPROVED = "approved", _("approved")
        IN_EXECUTION = "in_execution", _("in execution")
        COMPLETED = "completed", _("completed")
        SUSPENDED = "suspended", _("suspended")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        Status.IDEA: (Status.FORMULATED, Status.CANCELLED),
        Status.FORMULATED: (Status.PRIORITISED, Status.IDEA, Status.CANCELLED),
        Status.PRIORITISED: (Status.APPROVED, Status.FORMULATED, Status.CANCELLED),
        Status.APPROVED: (Status.IN_EXECUTION, Status.SUSPENDED, Status.CANCELLED),
        Status.IN_EXECUTION: (Status.COMPLETED, Status.SUSPENDED, Status.CANCELLED),
        Status.SUSPENDED: (Status.IN_EXECUTION, Status.CANCELLED),
        Status.COMPLETED: (),
        Status.CANCELLED: (),
    }

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="projects", verbose_name=_("plan"))
    strategic_line = models.ForeignKey(
        StrategicLine, on_delete=models.PROTECT, null=True, blank=True, related_name="projects",
        verbose_name=_("strategic line"),
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=250)
    objective = models.TextField(_("objective"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    good_type = models.CharField(_("kind of good"), max_length=10, choices=GoodType.choices, default=GoodType.PUBLIC)
    executing_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="executed_projects",
        verbose_name=_("executing organization"),
    )
    executing_body = models.CharField(_("executing body"), max_length=200, blank=True)
    beneficiaries: models.ManyToManyField[Organization, ProjectBeneficiary] = models.ManyToManyField(
        Organization, through="ProjectBeneficiary", related_name="benefiting_projects", blank=True,
        verbose_name=_("beneficiaries"),
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IDEA)
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    # Set when a coordinator approves despite the collective-benefit rule.
    collective_benefit_override_reason = models.TextField(_("collective-benefit override reason"), blank=True)
    # Kept by the milestone services: completed weight over total weight, 0-100.
    progress = models.DecimalField(_("progress"), max_digits=5, decimal_places=2, default=0, editable=False)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["plan_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="project_unique_code_per_plan",
                violation_error_message=_("The plan already has a project with this code.")),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True) | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="project_planned_dates_in_order",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | Q(actual_start__isnull=True)
                | Q(actual_end__gte=F("actual_start")),
                name="project_actual_dates_in_order",
                violation_error_message=_("The actual end cannot be before the actual start."),
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="project_progress_0_100",
                    violation_error_message=_("Progress is a percentage between 0 and 100.")
            ),
        ]
        indexes = [models.Index(fields=["plan", "status"], name="project_plan_status_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def history_plan_id(self) -> int | None:
        return self.plan_id


class ProjectBeneficiary(VersionedModel):
    cluster_path = "project__plan__cluster"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="beneficiary_links",
        verbose_name=_("project"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="beneficiary_links",
        verbose_name=_("organization"),
    )

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        ordering = ["project_id", "organization_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "organization"], name="beneficiary_unique_per_project",
                violation_error_message=_("This organization is already a beneficiary of the project."))
        ]

    def __str__(self) -> str:
        return str(self.organization)

    def history_plan_id(self) -> int | None:
        return self.project.plan_id


class FundingLine(VersionedModel):
    """A budget line by funding source; `executed` is the sum of its expenditures."""

    cluster_path = "project__plan__cluster"

    class Source(models.TextChoices):
        PROGRAMME_GRANT = "programme_grant", _("programme grant (ANR)")
        PROVINCIAL = "provincial", _("provincial counterpart")
        PRIVATE = "private", _("private contribution")
        OTHER = "other", _("other")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="funding_lines",
        verbose_name=_("project"),
    )
    source = models.CharField(_("funding source"), max_length=20, choices=Source.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.ARS)
    budget = models.DecimalField(_("budget"), max_digits=16, decimal_places=2)
    executed = models.DecimalField(_("executed"), max_digits=16, decimal_places=2, default=0, editable=False)
    description = models.CharField(_("description"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["project_id", "source", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source", "currency"], name="funding_unique_source_currency",
                violation_error_message=_("The project already has a funding line from this source in this currency.")),
            models.CheckConstraint(condition=Q(budget__gte=0), name="funding_budget_not_negative",
                violation_error_message=_("The budget cannot be negative.")),
            models.CheckConstraint(condition=Q(executed__gte=0), name="funding_executed_not_negative",
                violation_error_message=_("The executed amount cannot be negative.")),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.budget} {self.currency}"

    @property
    def pending(self):  # type: ignore[no-untyped-def]
        return self.budget - self.executed

    def history_plan_id(self) -> int | None:
        return self.project.plan_id


class Expenditure(VersionedModel):
    """An amount executed against a funding line; above budget it needs a recorded reason."""

    cluster_path = "funding_line__project__plan__cluster"

    funding_line = models.ForeignKey(
        FundingLine, on_delete=models.PROTECT, related_name="expenditures",
        verbose_name=_("funding line"),
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    spent_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=250, blank=True)
    over_budget_reason = models.TextField(_("reason for exceeding the budget"), blank=True)

    class Meta:
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")
        ordering = ["funding_line_id", "spent_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="expenditure_amount_positive",
            violation_error_message=_("An expenditure is an amount greater than zero."))]

    def __str__(self) -> str:
        return f"{self.amount} ({self.spent_on})"

    def history_plan_id(self) -> int | None:
        return self.funding_line.project.plan_id
