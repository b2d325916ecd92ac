"""Email backends: readable .eml files for development, and SMTP that tells a lost answer apart.

`EmlFileBackend` writes one RFC 5322 file per message into EMAIL_FILE_PATH (var/mail by
default), so a person can open each message in any mail client.

`SmtpBackend` is Django's SMTP backend with one difference: a failure after the message
content was handed to the server (the DATA phase) raises `AmbiguousSendError`, because the
server may have accepted the message before the answer was lost. The sender never retries
those blindly (see notifications.services.sending).
"""

from __future__ import annotations

import smtplib
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend
from django.core.mail.message import EmailMessage, sanitize_address
from django.utils import timezone


class AmbiguousSendError(smtplib.SMTPException):
    """The connection failed after DATA: the message may or may not have been delivered."""


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or getattr(settings, "EMAIL_FILE_PATH", None) or settings.BASE_DIR / "var/mail")
        self._lock = threading.RLock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        self.file_path.mkdir(parents=True, exist_ok=True)
        sent = 0
        with self._lock:
            for message in email_messages:
                stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
                target = self.file_path / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
                tmp = target.with_suffix(".tmp")
                tmp.write_bytes(message.message().as_bytes())
                tmp.replace(target)  # readers never see half a file
                sent += 1
        return sent


class SmtpBackend(DjangoSmtpBackend):
    def _send(self, email_message: EmailMessage) -> bool:
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(addr, encoding) for addr in email_message.recipients()]
        content = email_message.message().as_bytes(linesep="\r\n")
        conn = self.connection
        assert conn is not None  # noqa: S101 - open() ran in send_messages
        # Envelope first: any failure here means the server has not got the message.
        conn.ehlo_or_helo_if_needed()
        code, resp = conn.mail(from_email)
        if code != 250:
            conn.rset()
            raise smtplib.SMTPSenderRefused(code, resp, from_email)
        refused = {}
        for rcpt in recipients:
            code, resp = conn.rcpt(rcpt)
            if code not in (250, 251):
                refused[rcpt] = (code, resp)
        if len(refused) == len(recipients):
            conn.rset()
            raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
        try:
            code, resp = conn.data(content)
        except smtplib.SMTPResponseException:
            raise  # the server answered: it refused the message
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise AmbiguousSendError(f"connection lost during DATA: {exc}") from exc
        if code != 250:  # smtplib.data() returns the final answer instead of raising
            conn.rset()
            raise smtplib.SMTPDataError(code, resp)
        return True
