"""The plan history: one append-only, hash-chained event per change.

Each cluster has its own chain (chain_id = cluster id; 0 for programme-wide objects such as
users), so appends for different clusters never wait on one another. The row is never
updated or deleted; foreign keys are plain integers for that reason (a cascade or SET NULL
would be an UPDATE). `HistoryChainHead` holds the last position and hash of each chain and
is the row locked while appending.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    API = "api", _("API")
    ADMIN = "admin", _("admin")
    WEB = "web", _("web page")
    EMAIL = "email", _("email link")
    TASK = "task", _("task")
    COMMAND = "command", _("command")
    DATABASE = "database", _("database (outside the application)")


class HistoryEvent(models.Model):
    # The id is the global sequence; chain_seq is the position within the cluster's chain.
    id = models.BigAutoField(primary_key=True, verbose_name=_("sequence"))
    chain_id = models.PositiveBigIntegerField(_("chain"))
    chain_seq = models.PositiveBigIntegerField(_("position in chain"))
    occurred_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+", verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    action = models.CharField(_("action"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    plan_id = models.BigIntegerField(_("plan"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    outside_app = models.BooleanField(_("made outside the application"), default=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("history event")
        verbose_name_plural = _("history events")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "chain_seq"], name="history_unique_chain_position",
                violation_error_message=_("Another event already holds this position in the chain.")),
        ]
        indexes = [
            models.Index(fields=["plan_id", "-id"], name="history_plan_idx"),
            models.Index(fields=["object_type", "object_id", "-id"], name="history_object_idx"),
            models.Index(fields=["occurred_at"], name="history_time_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class HistoryChainHead(models.Model):
    """The tip of one chain: locked (SELECT ... FOR UPDATE) for the length of an append."""

    chain_id = models.PositiveBigIntegerField(primary_key=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("history chain head")
        verbose_name_plural = _("history chain heads")

    def __str__(self) -> str:
        return f"chain {self.chain_id} @ {self.last_seq}"
