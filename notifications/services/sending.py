"""Sending a batch of deliveries over one connection, one claim at a time.

Each delivery is claimed (pending -> sending) just before its message goes out, so a
worker killed mid-batch leaves at most one row in `sending`; the others stay pending
and the sweep re-enqueues them. Errors are sorted into three bins:

* transient (no answer yet, or a 4xx answer): back to pending, retried with backoff;
* permanent (5xx, bad address, a rendering bug): failed, with the error;
* ambiguous (the connection broke during DATA, or the task's soft time limit struck while
  the message was being handed over): stays `sending` with needs_review.

The connection is opened before the first claim: a server that cannot be reached or
refuses our login (a wrong password answers 535) is the server's problem, not the
messages'. Nothing is claimed, no attempt is counted, and the whole batch is deferred with
a backoff that grows with how long the rows have already waited.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Min
from django.utils import timezone

from notifications.backends import AmbiguousSendError
from notifications.content import Content
from notifications.models import Delivery
from notifications.rendering import render

from . import outbox

logger = logging.getLogger(__name__)


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
    if profile is not None and profile.unsubscribed_at is not None and delivery.kind != "milestone_escalation":
        return "the stakeholder unsubscribed"
    return ""


def send_batch(delivery_ids: list[int], *, connection: BaseEmailBackend | None = None) -> BatchResult:
    result = BatchResult()
    conn = connection or get_connection()
    opened = False
    # One read for the batch; each row is still claimed on its own just before its message goes out.
    rows = Delivery.objects.select_related("cluster", "stakeholder__notification_profile").in_bulk(delivery_ids)
    contents: dict[tuple[object, ...], Content] = {}  # recipients of one event share its content
    just_sent: int | None = None  # marked sent by the next claim's statement (one round trip per message)

    def flush() -> None:
        nonlocal just_sent
        if just_sent is not None:
            outbox.advance(sent_id=just_sent)
            just_sent = None

    try:
        for index, delivery_id in enumerate(delivery_ids):
            delivery = rows.get(delivery_id)
            if delivery is not None and not opened:
                flush()  # the previous message went out: record it before a slow connect
                try:
                    conn.open()
                    opened = True
                except SoftTimeLimitExceeded:
                    raise  # nothing claimed: the rows stay pending for the sweep
                except Exception as exc:
                    _defer_unreachable(delivery_ids[index:], exc, result)
                    break
            message_id = outbox.new_message_id(delivery_id)
            claimed = outbox.advance(
                sent_id=just_sent, claim_id=delivery_id if delivery else None, message_id=message_id
            )
            just_sent = None
            if delivery is None or not claimed:
                continue  # gone, sent, being sent, or handled by a duplicate task
            delivery.attempts += 1
            delivery.message_id = message_id
            reason = suppression_reason(delivery)
            if reason:
                outbox.mark_final(delivery_id, status=Delivery.Status.SUPPRESSED, error=reason)
                continue
            try:
                message = render(delivery, contents=contents)
            except SoftTimeLimitExceeded:
                outbox.unclaim(delivery_id)  # nothing went out for this one
                raise
            except Exception as exc:  # a bug or a vanished object: retrying will not help
                logger.exception("rendering delivery %s failed", delivery_id)
                outbox.mark_final(delivery_id, status=Delivery.Status.FAILED, error=f"rendering failed: {exc!r}")
                continue
            try:
                message.connection = conn
                conn.send_messages([message])
            except SoftTimeLimitExceeded:  # it may have been handed over already: a person decides
                outbox.mark_ambiguous(delivery_id, error="the task's time limit struck while sending")
                raise
            except AmbiguousSendError as exc:
                outbox.mark_ambiguous(delivery_id, error=str(exc))
                _reset(conn)
                opened = False
            except Exception as exc:
                if not is_transient(exc):
                    outbox.mark_final(delivery_id, status=Delivery.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
                    continue
                delay = outbox.schedule_retry(
                    delivery_id, attempts=delivery.attempts, error=f"{type(exc).__name__}: {exc}"
                )
                if delay is not None:
                    result.retry.append((delivery_id, delay))
                # The server is unwell: leave the rest pending and try them together later.
                result.unclaimed = list(delivery_ids[index + 1 :])
                result.unclaimed_delay = delay or outbox.backoff_seconds(1)
                outbox.defer(result.unclaimed, delay=result.unclaimed_delay)  # the sweep must wait too
                _reset(conn)
                opened = False
                break
            else:
                just_sent = delivery_id
                result.sent.append(delivery_id)
    finally:
        flush()
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

