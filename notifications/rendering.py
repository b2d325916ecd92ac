"""Rendering a delivery into a multipart (text + HTML) email in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEText
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from notifications.content import Content, compose
from notifications.models import Delivery, NotificationProfile
from plans.calendar import Method, forum_invitation
from plans.links import personal_links
from plans.validators import one_line


def unsubscribe_url(delivery: Delivery) -> str:
    if not delivery.stakeholder_id:
        return ""
    profile = getattr(delivery.stakeholder, "notification_profile", None) if delivery.stakeholder else None
    token = profile.unsubscribe_token if profile is not None else NotificationProfile.objects.filter(
        stakeholder_id=delivery.stakeholder_id).values_list("unsubscribe_token", flat=True).first()
    return f"{settings.SITE_URL}/unsubscribe/{token}" if token else ""


def recipient_links(delivery: Delivery) -> Callable[[str], str]:
    """The recipient's own link to each page: a personal signed link for a stakeholder (their
    page opens without a password; their account and key read once per message), the plain
    address for a user (a coordinator)."""
    personal = personal_links(delivery.stakeholder_id) if delivery.stakeholder_id else None

    def url(page: str) -> str:
        if not page:
            return ""
        return personal(page) if personal is not None else f"{settings.SITE_URL}{page}"

    return url


def header_value(value: object) -> str:
    """A header's value on one line: a CR or LF from a title would make the whole message
    unsendable (BadHeaderError) for every recipient, and other controls do not belong there."""
    return one_line(value)


def content_key(delivery: Delivery, language: str) -> tuple[object, ...]:
    """Deliveries with the same key say the same thing (only the recipient differs); a position
    request names the recipient's organization."""
    return (delivery.kind, delivery.event_id, delivery.object_id, delivery.pk if delivery.kind == "digest" else None,
            delivery.payload.get("days"), delivery.payload.get("organization"), language, delivery.time_zone)


def render(delivery: Delivery, *, contents: dict[tuple[object, ...], Content] | None = None) -> EmailMultiAlternatives:
    """Build the message; its Message-ID is chosen here and stored before sending.

    `contents` caches what was composed for earlier deliveries of the same batch.
    """
    language = delivery.language if delivery.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(delivery.time_zone or settings.TIME_ZONE):
        key = content_key(delivery, language)
        content = contents.get(key) if contents is not None else None
        if content is None:
            content = compose(delivery)
            if contents is not None:
                contents[key] = content
        url = recipient_links(delivery)
        context = {
            "content": content, "cluster": delivery.cluster, "language": language,
            "unsubscribe_url": unsubscribe_url(delivery), "site_url": settings.SITE_URL,
            "preferences_url": (
                url(reverse("notifications:preferences")) if delivery.stakeholder_id else ""
            ),
            "link": url(content.page),
            "actions": [(action.label, url(action.page)) for action in content.actions],
            "items": [(item, url(item.page)) for item in content.items],
        }
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
        # Rendered just before it is handed over, so this is the sending time, in the
        # recipient's zone (rather than the worker's process zone, or UTC as "-0000").
        date = format_datetime(timezone.localtime()) if settings.EMAIL_USE_LOCALTIME else ""
    message_id = delivery.message_id or make_msgid(idstring=f"d{delivery.pk}", domain="pmc-tracker")
    headers = {
        "Message-ID": message_id,
        "Content-Language": language,
        "Auto-Submitted": "auto-generated",
        "X-PMC-Delivery": str(delivery.pk),
        "X-PMC-Kind": delivery.kind,
    }
    if date:
        headers["Date"] = date
    if context["unsubscribe_url"]:
        # RFC 8058 one-click: mail providers POST "List-Unsubscribe=One-Click" to this URL.
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=header_value(content.subject)[:250], body=text, from_email=header_value(settings.DEFAULT_FROM_EMAIL),
        to=[header_value(delivery.to_email)], headers={name: header_value(value) for name, value in headers.items()},
    )
    message.attach_alternative(html, "text/html")
    if content.forum is not None:
        ics = forum_invitation(content.forum, cancel=content.cancel, attendee_email=delivery.to_email)
        message.attach(calendar_part(ics, Method.CANCEL if content.cancel else Method.REQUEST))
    return message


def calendar_part(ics: bytes, method: Method) -> SafeMIMEText:
    """The invitation as its own MIME part: `text/calendar; charset="utf-8"; method=...`.

    Built here because `attach()` adds its own charset to the mimetype it is given (a
    "...; charset=utf-8" there ends up twice); mail clients (Outlook) look for `method` on
    the Content-Type to show an invitation.
    """
    part = SafeMIMEText(ics.decode(), "calendar", settings.DEFAULT_CHARSET)
    part.set_param("method", str(method))
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part
