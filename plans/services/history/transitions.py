"""Status changes: the one gate that refuses moves a model's TRANSITIONS map lacks.

Services ask `transition_allowed` before checking the input rules of a move (a reason, a
date), so an impossible move is reported as IllegalTransition by `transition` rather than
as the rule of some other move.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from plans.errors import IllegalTransition
from plans.models import HistoryEvent

from .actor import Actor
from .locking import check_version
from .writes import update_with_history

M = TypeVar("M", bound=models.Model)


def transition_allowed(instance: models.Model, to: str) -> bool:
    """Whether the model's TRANSITIONS map allows the move from the current status to `to`."""
    return to in instance.allowed_targets(instance.status)  # type: ignore[attr-defined]


def ensure_transition_allowed(instance: models.Model, to: str) -> None:
    """Refuse a move the model's TRANSITIONS map lacks (IllegalTransition, 409).

    Services call it (after check_version) before their own state rules, so an impossible
    move is reported as such rather than as the rule of some other move.
    """
    if transition_allowed(instance, to):
        return
    current = instance.status  # type: ignore[attr-defined]
    allowed = instance.allowed_targets(current)  # type: ignore[attr-defined]
    labels = dict(instance._meta.get_field("status").flatchoices)  # type: ignore[union-attr]

    def label(value: str) -> Any:
        return labels.get(value, value)

    raise IllegalTransition(
        _("%(object)s cannot move from “%(from)s” to “%(to)s”. Allowed: %(allowed)s."),
        object=instance._meta.verbose_name,
        **{
            "from": label(current), "to": label(to),
            # Joined when rendered, so the labels come out in the reader's language.
            "allowed": _lazy_join([label(v) for v in allowed]),
        },
    )


def _join(labels: list[Any]) -> str:
    return ", ".join(str(label) for label in labels) or "—"


_lazy_join = lazy(_join, str)


def transition(
    instance: M, *, to: str, actor: Actor, reason: str = "", extra: dict[str, Any] | None = None,
    expected_version: int | None = None, context: dict[str, Any] | None = None, action: str = "transition",
) -> HistoryEvent:
    """The one gate for status changes: refuse moves the model's TRANSITIONS map lacks.

    `action` names the event when the move has its own verb (milestone_complete: "complete").
    """
    check_version(instance, expected_version)
    ensure_transition_allowed(instance, to)
    event = update_with_history(
        instance, actor=actor, values={"status": to, **(extra or {})}, action=action,
        reason=reason, context=context,
    )
    if event is None:  # unreachable: the status changed, so there is always a diff
        raise RuntimeError("transition recorded no change")
    return event
