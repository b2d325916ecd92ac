"""A walk through the stakeholder's email flow on a running `make run`, from the .eml files it writes.

    make run                                   # in one terminal
    PMC_ENV=development .venv/bin/python docs/walkthrough_email.py http://127.0.0.1:8000 var/mail

A new stakeholder of a member organization of the demo's dairy cluster is invited to a new
forum; the invitation's "Confirm attendance" link opens the forum with no password (a phone's
user agent, a cookie jar and nothing else) and one POST answers "yes". An agreement is opened
at that forum; its email's "Agree" link opens the confirmation page and one POST records the
organization's position (source `email`, actor the stakeholder). Then the reminder to the
organizations that did not answer runs twice and sends once. The coordinator acts as from the
pages (a command without an actor is a bulk load and notifies nobody).
"""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.message
import http.cookiejar
import os
import re
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def subject_of(message: email.message.Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"] or "")))


def wait_mail(folder: Path, to: str, subject_part: str, timeout: float = 90) -> email.message.Message:
    end = time.time() + timeout
    while time.time() < end:
        for path in sorted(folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes())
            if to in (message["To"] or "") and subject_part in subject_of(message):
                print("  from", path.name)
                return message
        time.sleep(1)
    raise SystemExit(f"no email to {to} about {subject_part!r} in {folder}")


def text_of(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8")
    return ""


def link_after(text: str, *labels: str) -> str:
    for label in labels:
        found = re.search(re.escape(label) + r":\s*(\S+)", text)
        if found:
            return found.group(1)
    raise SystemExit(f"none of {labels} in:\n{text}")


class Phone:
    """A browser with no password: a cookie jar and a phone's user agent."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.addheaders = [("User-Agent", "Mozilla/5.0 (Linux; Android 14) Mobile")]

    def get(self, url: str) -> tuple[str, str]:
        with self.opener.open(url) as response:
            return response.geturl(), response.read().decode()

    def post(self, url: str, data: dict[str, str], referer: str) -> tuple[str, str]:
        request = urllib.request.Request(  # noqa: S310 - the local server under test
            url, data=urllib.parse.urlencode(data).encode(), headers={"Referer": referer, "Origin": self.base}
        )
        with self.opener.open(request) as response:
            return response.geturl(), response.read().decode()


def csrf(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if found is None:
        raise SystemExit("the page has no form")
    return found.group(1)


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from notifications.models import Delivery
    from notifications.services import reminders
    from plans.models import Cluster, ForumResponse, HistoryEvent, Organization, Position, Source
    from plans.services import agreements, clusters, forums
    from plans.services.history import Actor

    base, folder = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    actor = Actor(get_user_model()._default_manager.get(username="coordinator"), Source.WEB)
    cluster = Cluster.objects.filter(plans__isnull=False).order_by("id").first()
    plan = cluster.plans.order_by("-edition").first() if cluster is not None else None
    if cluster is None or plan is None:
        raise SystemExit("load the demo first (make run does)")
    organization = Organization.objects.filter(cluster=cluster, membership="full", is_active=True).order_by("id")[0]
    address = f"nueva.productora.{int(time.time())}@tambo.example"
    person = clusters.stakeholder_create(cluster_id=cluster.pk, actor=actor, name="Nueva Productora", email=address,
                                         organization=organization)
    print(f"stakeholder {address} of {organization.name}, {cluster.name}")
    phase = plan.phases.exclude(status__in=["completed", "skipped"]).order_by("order").first()
    if phase is None:
        raise SystemExit("the plan has no phase left to hold a forum in")
    forum = forums.forum_schedule(phase_id=phase.pk, actor=actor, title="Foro de validación de proyectos",
                                  starts_at=timezone.now() + dt.timedelta(days=10), venue="Sociedad Rural")

    phone = Phone(base)
    invitation = text_of(wait_mail(folder, address, forum.title))
    print("invitation:", invitation.strip().splitlines()[0])
    where, page = phone.get(link_after(invitation, "Confirmar asistencia", "Confirm attendance"))
    print("opened with no password:", where)
    phone.post(f"{base}/forums/{forum.pk}/rsvp/", {"csrfmiddlewaretoken": csrf(page), "answer": "yes"}, where)
    print("answer recorded:", ForumResponse.objects.get(forum=forum, stakeholder=person).answer)

    agreement = agreements.agreement_create(plan_id=plan.pk, actor=actor, title="Priorizar el laboratorio",
                                            forum_id=forum.pk, text="Acordamos priorizar el laboratorio.")
    asked = text_of(wait_mail(folder, address, agreement.title))
    print("position asked:", asked.strip().splitlines()[0])
    where, page = phone.get(link_after(asked, "De acuerdo", "Agree"))
    print("opened:", where)
    data = {"csrfmiddlewaretoken": csrf(page), "position": "agree", "comment": ""}
    hidden = re.search(r'name="organization" value="(\d+)"', page)
    if hidden:
        data["organization"] = hidden.group(1)
    phone.post(where.split("?")[0], data, where)
    position = Position.objects.get(agreement=agreement, organization=organization)
    event = HistoryEvent.objects.filter(object_type="plans.position", object_id=position.pk).latest("id")
    print(f"position {position.position} by {position.recorded_by}; history: source {event.source}, "
          f"actor {event.actor_label}")

    later = timezone.now() + dt.timedelta(days=3, hours=12)
    first, second = reminders.agreement_reminders(now=later), reminders.agreement_reminders(now=later)
    reminded = set(Delivery.objects.filter(pk__in=first).values_list("stakeholder__organization_id", flat=True))
    print(f"reminders to those who did not answer: {len(first)}, then {len(second)} on a second run; "
          f"the organization that answered among them: {organization.pk in reminded}")


if __name__ == "__main__":
    main()
