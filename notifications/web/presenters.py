"""How a delivery row reads on the log: what happened in plain words, and what a person may do.

The sending service stores technical errors (SMTP replies, exception names) for operators;
the page explains them by their cause and keeps the raw text behind a "technical detail".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery

# Prefixes of the reasons notifications.services.sending stores; anything else falls back on the status.
SUPPRESSION_WORDS: dict[str, Any] = {
    "the recipient no longer exists": _("Not sent: the recipient no longer exists."),
    "the stakeholder is inactive": _("Not sent: the person is marked inactive."),
    "the stakeholder unsubscribed": _("Not sent: the person unsubscribed from these emails."),
}
FAILURE_WORDS: dict[str, Any] = {
    "gave up after": _("Not sent: the mail server did not take it after several attempts."),
    "rendering failed": _("Not sent: the message could not be written (a fault on our side; the "
                          "technical detail helps the support team)."),
}
IN_DOUBT_WORDS = _(
    "In doubt: sending started but no answer was recorded, so it may have arrived. Look for its "
    "message id in the mail server's log, then resend it or mark it as sent."
)


def plain_problem(delivery: Delivery) -> Any:
    """The row's situation for a person; "" when there is nothing to explain."""
    error = delivery.last_error or ""
    if delivery.needs_review:
        return IN_DOUBT_WORDS
    if delivery.status == Delivery.Status.SUPPRESSED:
        return next((w for p, w in SUPPRESSION_WORDS.items() if error.startswith(p)), _("Not sent (withheld)."))
    if delivery.status == Delivery.Status.FAILED:
        return next(
            (w for p, w in FAILURE_WORDS.items() if error.startswith(p)),
            _("Not sent: the mail server refused it for good (for example, the address does not exist)."),
        )
    if delivery.status == Delivery.Status.PENDING and error:
        if error.startswith("mail server unavailable"):
            return _("Waiting: the mail server could not be reached; it will be tried again.")
        return _("Waiting: the last attempt failed for a passing reason; it will be tried again.")
    return ""


# Mirrors the rows notifications.services.outbox.resend / mark_reviewed_as_sent accept, only to
# decide which buttons to show; the service decides again (a row may change meanwhile).
def may_resend(delivery: Delivery) -> bool:
    if delivery.status == Delivery.Status.SENT:
        return False
    return delivery.needs_review or delivery.status in (Delivery.Status.FAILED, Delivery.Status.SUPPRESSED)


def may_mark_sent(delivery: Delivery) -> bool:
    return delivery.needs_review


@dataclass
class DeliveryRow:
    delivery: Delivery

    @property
    def recipient(self) -> str:
        stakeholder = self.delivery.stakeholder
        return stakeholder.name if stakeholder is not None else self.delivery.to_email

    @property
    def badge(self) -> str:
        """The status shown: rows in doubt have their own badge (their status is still `sending`)."""
        return "in_doubt" if self.delivery.needs_review else self.delivery.status

    @property
    def badge_label(self) -> Any:
        return _("in doubt") if self.delivery.needs_review else self.delivery.get_status_display()

    @cached_property
    def problem(self) -> Any:
        return plain_problem(self.delivery)

    @property
    def may_resend(self) -> bool:
        return may_resend(self.delivery)

    @property
    def may_mark_sent(self) -> bool:
        return may_mark_sent(self.delivery)
