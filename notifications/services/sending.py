"""Sending a batch of deliveries over one connection, one claim at a time.

Each delivery is claimed (pending -> sending) just before its message goes out, so a
worker killed mid-batch leaves at most one row in `sending`; the others stay pending
and the sweep re-enqueues them. `send_one` renders and hands over one claimed message and
says what became of it (an `Outcome`); `send_batch` acts on that outcome in one place:

* SENT: the server accepted it;
* TRANSIENT (no answer yet, or a 4xx answer): back to pending, retried with backoff, and
  the rest of the batch waits too (the server is unwell);
* PERMANENT (5xx, bad address, a rendering bug): failed, with the error;
* IN_DOUBT (the connection broke during DATA, or the task's soft time limit struck while
  the message was being handed over): stays `sending` with needs_review.

The connection is opened before the first claim: a server that cannot be reached or
refuses our login (a wrong password answers 535) is the server's problem, not the
messages'. Nothing is claimed, no attempt is counted, and the whole batch is deferred with
a backoff that grows with how long the rows have already waited.
"""

from __future__ import annotations

import enum
import logging
import smtplib
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError
from django.db.models import Min
from django.utils import timezone

from notifications.backends import AmbiguousSendError
from notifications.content import Content
from notifications.models import Delivery
from notifications.rendering import render

from . import outbox

logger = logging.getLogger(__name__)

# Sent even to someone who unsubscribed or paused: escalations go to a coordinator about
# their cluster's work, and a fresh personal link is the answer to the person's own request.
ALWAYS_SENT_KINDS = frozenset({"milestone_escalation", "personal_link"})


class Outcome(enum.Enum):
    SENT = "sent"
    TRANSIENT = "transient"  # not delivered; worth another try later
    PERMANENT = "permanent"  # not delivered; trying again will not help
    IN_DOUBT = "in_doubt"  # may have been delivered; a person decides


@dataclass(frozen=True, slots=True)
class Attempt:
    outcome: Outcome
    error: str = ""
    # The task's soft time limit struck during the hand-over: re-raised once the attempt is recorded.
    interrupted: SoftTimeLimitExceeded | None = None


@dataclass
class BatchResult:
    sent: list[int] = field(default_factory=list)
    retry: list[tuple[int, float]] = field(default_factory=list)  # (delivery id, delay in seconds)
    unclaimed: list[int] = field(default_factory=list)  # left pending when the connection failed
    unclaimed_delay: float = 0.0


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError | OSError)


def suppression_reason(delivery: Delivery) -> str:
    person = delivery.stakeholder
    if person is None:
        return "" if delivery.user_id else "the recipient no longer exists"
    if not person.is_active:
        return "the stakeholder is inactive"
    profile = getattr(person, "notification_profile", None)
    if profile is None or delivery.kind in ALWAYS_SENT_KINDS:
        return ""
    if profile.unsubscribed_at is not None:
        return "the stakeholder unsubscribed"
    if profile.paused_at is not None:
        return "the stakeholder paused their emails"
    return ""


def send_one(delivery: Delivery, *, conn: BaseEmailBackend, contents: dict[tuple[object, ...], Content]) -> Attempt:
    """Render one claimed delivery and hand it to the open connection; record nothing.

    Raises SoftTimeLimitExceeded only while rendering, when nothing has gone out; a time
    limit during the hand-over is an IN_DOUBT attempt marked `interrupted`.
    """
    try:
        message = render(delivery, contents=contents)
    except SoftTimeLimitExceeded:
        raise
    except DatabaseError as exc:  # a lock timeout, a failover, two workers creating one person's link account
        logger.warning("rendering delivery %s met a database error; it is retried: %r", delivery.pk, exc)
        return Attempt(Outcome.TRANSIENT, f"rendering failed (database): {exc!r}")
    except Exception as exc:  # a bug or a vanished object: retrying will not help
        logger.exception("rendering delivery %s failed", delivery.pk)
        return Attempt(Outcome.PERMANENT, f"rendering failed: {exc!r}")
    message.connection = conn
    try:
        conn.send_messages([message])
    except SoftTimeLimitExceeded as exc:  # it may have been handed over already
        return Attempt(Outcome.IN_DOUBT, "the task's time limit struck while sending", interrupted=exc)
    except AmbiguousSendError as exc:
        return Attempt(Outcome.IN_DOUBT, str(exc))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        return Attempt(Outcome.TRANSIENT if is_transient(exc) else Outcome.PERMANENT, error)
    return Attempt(Outcome.SENT)


def send_batch(delivery_ids: list[int], *, connection: BaseEmailBackend | None = None) -> BatchResult:
    result = BatchResult()
    conn = connection or get_connection()
    opened = False
    # One read for the batch; each row is still claimed on its own just before its message goes out.
    rows = Delivery.objects.select_related("cluster", "stakeholder__notification_profile").in_bulk(delivery_ids)
    contents: dict[tuple[object, ...], Content] = {}  # recipients of one event share its content
    try:
        for index, delivery_id in enumerate(delivery_ids):
            delivery = rows.get(delivery_id)
            if delivery is None:
                continue  # gone
            if not opened:
                try:
                    conn.open()
                    opened = True
                except SoftTimeLimitExceeded:
                    raise  # nothing claimed: the rows stay pending for the sweep
                except Exception as exc:
                    _defer_unreachable(delivery_ids[index:], exc, result)
                    break
            message_id = outbox.new_message_id(delivery_id)
            if not outbox.claim(delivery_id, message_id=message_id):
                continue  # sent, being sent, or handled by a duplicate task
            delivery.attempts += 1
            delivery.message_id = message_id
            delivery.first_attempt_at = delivery.first_attempt_at or timezone.now()  # as the claim stored it
            reason = suppression_reason(delivery)
            if reason:
                outbox.mark_final(delivery_id, status=Delivery.Status.SUPPRESSED, error=reason)
                continue
            try:
                attempt = send_one(delivery, conn=conn, contents=contents)
            except SoftTimeLimitExceeded:
                outbox.unclaim(delivery_id)  # raised before the hand-over: nothing went out
                raise
            # The one place where an outcome becomes a status.
            match attempt.outcome:
                case Outcome.SENT:
                    outbox.mark_sent(delivery_id)
                    result.sent.append(delivery_id)
                case Outcome.PERMANENT:
                    outbox.mark_final(delivery_id, status=Delivery.Status.FAILED, error=attempt.error)
                case Outcome.IN_DOUBT:
                    outbox.mark_ambiguous(delivery_id, error=attempt.error)
                    if attempt.interrupted is not None:
                        raise attempt.interrupted
                    _reset(conn)  # the connection broke mid-message: a fresh one for the next
                    opened = False
                case Outcome.TRANSIENT:
                    delay = outbox.schedule_retry(delivery_id, attempts=delivery.attempts, error=attempt.error,
                                                  first_attempt_at=delivery.first_attempt_at)
                    if delay is not None:
                        result.retry.append((delivery_id, delay))
                    # The server is unwell: leave the rest pending and try them together later.
                    result.unclaimed = list(delivery_ids[index + 1 :])
                    result.unclaimed_delay = delay or outbox.backoff_seconds(1)
                    outbox.defer(result.unclaimed, delay=result.unclaimed_delay)  # the sweep must wait too
                    _reset(conn)
                    opened = False
                    break
    finally:
        if opened:
            _reset(conn)
    return result


def _defer_unreachable(ids: list[int], exc: BaseException, result: BatchResult) -> None:
    """The server could not be reached or refused the login: defer the batch, attempts untouched."""
    now = timezone.now()
    oldest = Delivery.objects.filter(pk__in=ids[:1000]).aggregate(first=Min("created_at"))["first"] or now
    waited = (now - oldest).total_seconds()
    # Wait about as long as the rows have waited so far (doubling), within the usual bounds.
    base = outbox.backoff_seconds(1)
    delay = min(max(base, waited), float(settings.NOTIFICATIONS_RETRY_MAX_SECONDS))
    error = f"mail server unavailable: {type(exc).__name__}: {exc}"
    logger.warning("%s; %d deliveries deferred by %.0f s", error, len(ids), delay)
    outbox.defer(ids, delay=delay, error=error)
    result.unclaimed = list(ids)
    result.unclaimed_delay = delay


def _reset(conn: BaseEmailBackend) -> None:
    try:
        conn.close()
    except Exception:  # closing a broken connection may fail too
        logger.debug("closing the mail connection failed", exc_info=True)

