"""Participatory forums, their attendance, agreements and the positions organizations take."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import StatusMixin, VersionedModel
from .cluster import Organization, Stakeholder
from .plan import Phase, Plan


class Forum(StatusMixin, VersionedModel):
    cluster_path = "plan__cluster"
    as_of_section = "forums"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        Status.SCHEDULED: (Status.HELD, Status.CANCELLED),
        Status.HELD: (),
        Status.CANCELLED: (),
    }

    # `plan` repeats phase.plan so lists filter by plan without a join; services keep it in step.
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="forums", verbose_name=_("plan"))
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="forums", verbose_name=_("phase"))
    title = models.CharField(_("title"), max_length=250)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    organizer = models.CharField(_("organizer"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    # iCalendar SEQUENCE: raised on each reschedule or cancellation so calendars update.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)

    class Meta:
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        ordering = ["plan_id", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")), name="forum_ends_after_start",
                violation_error_message=_("The forum must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | ~Q(minutes=""), name="forum_held_needs_minutes",
                violation_error_message=_("A held forum needs its minutes."),
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="forum_status_start_idx")]

    def __str__(self) -> str:
        return self.title

    def history_plan_id(self) -> int | None:
        return self.plan_id


class ForumAttendance(VersionedModel):
    """One organization or one person present at a forum."""

    cluster_path = "forum__plan__cluster"

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("forum"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="attendances",
        verbose_name=_("organization"),
    )
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.PROTECT, null=True, blank=True, related_name="attendances",
        verbose_name=_("stakeholder"),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["forum_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(organization__isnull=False) & Q(stakeholder__isnull=True))
                | (Q(organization__isnull=True) & Q(stakeholder__isnull=False)),
                name="attendance_org_xor_person",
                violation_error_message=_("Give either an organization or a person, not both."),
            ),
            models.UniqueConstraint(
                fields=["forum", "organization"], condition=Q(organization__isnull=False),
                name="attendance_unique_org",
                violation_error_message=_("This organization is already on the attendance list."),
            ),
            models.UniqueConstraint(
                fields=["forum", "stakeholder"], condition=Q(stakeholder__isnull=False),
                name="attendance_unique_person",
                violation_error_message=_("This person is already on the attendance list."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.organization or self.stakeholder)

    def history_plan_id(self) -> int | None:
        return self.forum.plan_id


class Agreement(StatusMixin, VersionedModel):
    """A decision taken at a forum (or online) under a quorum rule."""

    cluster_path = "plan__cluster"

    class Subject(models.TextChoices):
        CLOSE_PHASE = "close_phase", _("close a phase")
        ADOPT_STRATEGIC_LINES = "adopt_strategic_lines", _("adopt strategic lines")
        PRIORITISE_PROJECTS = "prioritise_projects", _("prioritise projects")
        VALIDATE_PLAN = "validate_plan", _("validate the plan")
        OTHER = "other", _("other")

    class Rule(models.TextChoices):
        CONSENT = "consent", _("consent (quorum, no block, more agree than disagree)")
        FORUM_CONSENSUS = "forum_consensus", _("forum consensus (recorded by the coordinator)")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ADOPTED = "adopted", _("adopted")
        REJECTED = "rejected", _("rejected")

    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        Status.OPEN: (Status.ADOPTED, Status.REJECTED),
        Status.ADOPTED: (),
        Status.REJECTED: (),
    }

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("plan"))
    phase = models.ForeignKey(
        Phase, on_delete=models.PROTECT, null=True, blank=True, related_name="agreements",
        verbose_name=_("phase"),
    )
    forum = models.ForeignKey(
        Forum, on_delete=models.PROTECT, null=True, blank=True, related_name="agreements",
        verbose_name=_("forum"),
    )
    title = models.CharField(_("title"), max_length=250)
    text = models.TextField(_("text"), blank=True)
    subject = models.CharField(_("subject"), max_length=32, choices=Subject.choices, default=Subject.OTHER)
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices, default=Rule.CONSENT)
    # Share of the cluster's active full members that must take a position (consent rule).
    quorum_percent = models.PositiveSmallIntegerField(_("quorum (%)"), default=50)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    # The day by which member organizations are asked for their position (reminders count back
    # from it); agreement_create sets settings.PMC_AGREEMENT_OPEN_DAYS after opening when none is
    # given. Positions are still taken until a coordinator closes the agreement.
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    tally = models.JSONField(_("tally"), default=dict, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["plan_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_percent__gte=1) & Q(quorum_percent__lte=100), name="agreement_quorum_1_100",
                violation_error_message=_("The quorum is a percentage between 1 and 100."),
            ),
            # The forum (its minutes and attendance) is the evidence of a decision by forum consensus.
            models.CheckConstraint(
                condition=~Q(rule="forum_consensus") | Q(forum__isnull=False),
                name="agreement_forum_consensus_has_forum",
                violation_error_message=_("An agreement by forum consensus needs the forum that took it."),
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_at__isnull=False),
                name="agreement_decided_has_time",
                violation_error_message=_("A decided agreement records when it was decided."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def history_plan_id(self) -> int | None:
        return self.plan_id


class Position(VersionedModel):
    """An organization's endorsement of an open agreement; one per organization."""

    cluster_path = "agreement__plan__cluster"

    class Value(models.TextChoices):
        AGREE = "agree", _("agree")
        ABSTAIN = "abstain", _("abstain")
        DISAGREE = "disagree", _("disagree")
        BLOCK = "block", _("block")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="positions",
        verbose_name=_("agreement"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="positions",
        verbose_name=_("organization"),
    )
    position = models.CharField(_("position"), max_length=10, choices=Value.choices)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["agreement_id", "organization_id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organization"], name="position_one_per_organization",
                violation_error_message=_("This organization has already taken a position on this agreement."))
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.get_position_display()}"

    def history_plan_id(self) -> int | None:
        return self.agreement.plan_id
