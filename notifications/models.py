"""Subscriptions and preferences, reminder policies, the dispatch log and the outbox."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plans.models import Cluster, Plan, Stakeholder, VersionedModel

from .kinds import Kind


def new_token() -> str:
    return secrets.token_urlsafe(32)


def default_due_soon_days() -> list[int]:
    return [14, 7, 1]


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("immediately")
    DAILY = "daily", _("daily digest")
    WEEKLY = "weekly", _("weekly digest")


class NotificationProfile(models.Model):
    """Per-stakeholder preferences and the secret tokens of their public links.

    Created lazily (with the default subscription) the first time the stakeholder's
    cluster produces a message, or when the stakeholder is created.
    """

    cluster_path: ClassVar[str] = "stakeholder__cluster"  # see VersionedModel.cluster_path

    stakeholder = models.OneToOneField(Stakeholder, on_delete=models.CASCADE, related_name="notification_profile")
    notify_own_changes = models.BooleanField(_("email me about my own changes"), default=False)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    # "Pause everything" on the preferences page: no email while set (escalations to coordinators excepted).
    paused_at = models.DateTimeField(_("emails paused since"), null=True, blank=True)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification profile")
        verbose_name_plural = _("notification profiles")

    def __str__(self) -> str:
        return str(self.stakeholder)

    @property
    def receives_email(self) -> bool:
        return self.unsubscribed_at is None and self.paused_at is None


class Subscription(VersionedModel):
    cluster_path = "stakeholder__cluster"

    class Scope(models.TextChoices):
        CLUSTER = "cluster", _("cluster")
        PLAN = "plan", _("plan")
        PROJECT = "project", _("project")

    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="subscriptions")
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    scope_id = models.BigIntegerField(_("scope id"))
    # Kinds (see notifications.kinds.SUBSCRIBABLE_KINDS); SQLite cannot query inside JSON, so
    # the dispatcher filters in Python after an indexed scope lookup.
    events = models.JSONField(_("events"), default=list)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["stakeholder_id", "scope", "scope_id"]
        constraints = [
            models.UniqueConstraint(fields=["stakeholder", "scope", "scope_id"], name="subscription_unique_scope",
                violation_error_message=_("This person is already subscribed to this.")),
        ]
        indexes = [models.Index(fields=["scope", "scope_id"], name="subscription_scope_idx")]

    def __str__(self) -> str:
        return f"{self.stakeholder} — {self.scope} {self.scope_id}"


class ReminderPolicy(VersionedModel):
    """When a plan's milestones and forums are reminded; plans without a row use the defaults."""

    cluster_path = "plan__cluster"

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="reminder_policy")
    due_soon_days = models.JSONField(_("remind days before due"), default=default_due_soon_days)
    overdue_every_days = models.PositiveSmallIntegerField(_("remind every N days while overdue"), default=7)
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate to coordinators after N days overdue"), default=14
    )
    forum_reminder_days = models.PositiveSmallIntegerField(_("remind N days before a forum"), default=1)
    # Open agreements: member organizations without a position are reminded N days after the
    # agreement opened and M days before its closing date (0: no such reminder).
    agreement_after_days = models.PositiveSmallIntegerField(
        _("remind non-responders N days after an agreement opens"), default=3
    )
    agreement_before_days = models.PositiveSmallIntegerField(
        _("remind non-responders N days before an agreement closes"), default=1
    )

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        constraints = [
            models.CheckConstraint(condition=Q(overdue_every_days__gte=1), name="policy_overdue_every_positive",
                violation_error_message=_("Overdue reminders repeat every 1 day or more.")),
        ]

    def __str__(self) -> str:
        return str(self.plan)

    def history_plan_id(self) -> int | None:
        return self.plan_id


class DispatchRecord(models.Model):
    """One row per history event the dispatcher has handled (history rows are never updated)."""

    event_id = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=32, blank=True)
    deliveries = models.PositiveIntegerField(default=0)
    digest_entries = models.PositiveIntegerField(default=0)
    dispatched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dispatch record")
        verbose_name_plural = _("dispatch records")

    def __str__(self) -> str:
        return f"event {self.event_id}"


class Delivery(models.Model):
    """One message to one recipient over one channel: the outbox row."""

    cluster_path: ClassVar[str] = "cluster"  # see VersionedModel.cluster_path

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SUPPRESSED = "suppressed", _("suppressed")

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")

    FINAL_STATUSES: ClassVar[frozenset[str]] = frozenset({Status.SENT, Status.FAILED, Status.SUPPRESSED})

    dedup_key = models.CharField(_("dedup key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    event_id = models.BigIntegerField(_("history event"), null=True, blank=True)
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_email = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=5, default="es")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="deliveries")
    plan_id = models.BigIntegerField(_("plan"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    # The reminder's instant (computed in the recipient's zone); also part of dedup_key.
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("message id"), max_length=250, blank=True)
    needs_review = models.BooleanField(_("needs a person to decide"), default=False)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next_idx"),
            models.Index(fields=["status", "claimed_at"], name="delivery_status_claimed_idx"),
            models.Index(fields=["event_id"], name="delivery_event_idx"),
            models.Index(fields=["cluster", "-id"], name="delivery_cluster_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_email} ({self.status})"


class DigestEntry(models.Model):
    """An event waiting for a stakeholder's next daily or weekly digest."""

    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="+")
    event_id = models.BigIntegerField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    delivery = models.ForeignKey(Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("digest entry")
        verbose_name_plural = _("digest entries")
        constraints = [
            models.UniqueConstraint(fields=["stakeholder", "event_id", "frequency"], name="digest_entry_unique",
                violation_error_message=_("This event is already waiting in this person's digest.")),
        ]
        indexes = [
            models.Index(
                fields=["frequency", "stakeholder"], condition=Q(delivery__isnull=True), name="digest_waiting_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stakeholder_id}: event {self.event_id} ({self.frequency})"
