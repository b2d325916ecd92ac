"""`make bench-notifications`: the notification paths at scale, on PostgreSQL and Redis.

Database `pmc_bench_notif` (BENCH_NOTIF_DATABASE_URL), broker Redis DB 14
(BENCH_NOTIF_REDIS_URL). Rows are bulk-loaded (COPY), not made through services; then:

1. Reminder sweep (`milestone_reminders`): 100,000 milestones of which 10,000 owe a reminder
   now, then 1,000,000 with the same 10,000 (1%), then 1,000,000 with 1,000. The 1% are a
   mix of due in 14/7/1 days and 1 day overdue; the rest are due far ahead or completed.
   Time to find them and create their deliveries, and of a second run (creates nothing).
2. Fan-out: one real `milestone_complete` in a cluster of 10,000 subscribed stakeholders;
   time for `dispatch_event` (deliveries created) and for queueing their send tasks on Redis.
3. SMTP: an aiosmtpd sink in its own process on loopback; one process sends N deliveries
   through the real pipeline (claim, render, send, mark) reusing one connection, beside one
   connection per message; and the same for pre-rendered messages (SMTP alone).

Results: stdout and docs/benchmarks.md under "## Notifications".

    python -m bench.notifications [--no-write] [--smtp-messages 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("BENCH_NOTIF_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pmc_bench_notif")
REDIS = os.environ.get("BENCH_NOTIF_REDIS_URL", "redis://127.0.0.1:6379/14")
ENV = {
    "PMC_ENV": "production", "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48), "DJANGO_ALLOWED_HOSTS": "testserver",
    "DATABASE_URL": DB_URL, "REDIS_URL": "", "CELERY_BROKER_URL": REDIS, "LOG_LEVEL": "WARNING",
}
CLUSTERS, PROJECTS_EACH, PEOPLE_EACH = 10, 20, 100
FANOUT = 10_000
NOW = dt.datetime.combine(dt.date.today(), dt.time(12, 0), tzinfo=dt.UTC)  # noqa: DTZ011 - a fixed "now"
TODAY = NOW.date()


def setup() -> None:
    os.environ.update({k: v for k, v in ENV.items() if k not in os.environ or k == "DATABASE_URL"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database() -> None:
    import psycopg

    base, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')  # our own constant/env, not user input


def reset() -> dict[str, list[int]]:
    """Empty the tables this bench uses and create clusters, plans, projects and people."""
    from django.db import connection, transaction

    from plans.models import Cluster, Plan, Stakeholder
    from plans.services.history import declare_application_write
    from projects.models import Project

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notifications_delivery, notifications_digestentry, notifications_dispatchrecord, "
            "notifications_subscription, notifications_notificationprofile, notifications_reminderpolicy, "
            "projects_milestone, projects_project, plans_stakeholder, plans_plan, plans_cluster, "
            "plans_historyevent, plans_historychainhead CASCADE"
        )
        cursor.execute("TRUNCATE pmc_outside_write")
    with transaction.atomic():
        declare_application_write()  # bulk scale data, not a change made outside the application
        clusters = Cluster.objects.bulk_create(Cluster(name=f"Bench {i}", slug=f"bench-{i}") for i in range(CLUSTERS))
        plans = Plan.objects.bulk_create(Plan(cluster=c, title=f"PMC {c.pk}", status="in_execution") for c in clusters)
        projects = Project.objects.bulk_create(
            Project(plan=p, code=f"P{k}", title=f"Project {k}", category="quality", status="in_execution")
            for p in plans for k in range(PROJECTS_EACH)
        )
        people = Stakeholder.objects.bulk_create(
            Stakeholder(cluster=c, name=f"Person {c.pk}-{k}", email=f"p{c.pk}-{k}@example.org",
                        language="es" if k % 3 else "en", time_zone="America/Argentina/Tucuman")
            for c in clusters for k in range(PEOPLE_EACH)
        )
    return {"projects": [p.pk for p in projects], "plan_of": [p.plan_id for p in projects],
            "cluster_of_plan": {p.pk: p.cluster_id for p in plans}, "people": [s.pk for s in people]}  # type: ignore[dict-item]


def copy_milestones(base: dict[str, Any], count: int, due: int, first_id: int) -> None:
    """COPY `count` milestones; `due` of them owe a reminder at NOW, the rest do not."""
    from django.db import connection, transaction

    from plans.services.history import declare_application_write

    offsets = [14, 7, 1, -1]  # due soon (three offsets) and one day overdue
    projects, plan_of, people = base["projects"], base["plan_of"], base["people"]
    stamp = NOW.isoformat()
    buf = io.StringIO()
    for n in range(count):
        mid = first_id + n
        j = n % len(projects)
        if n < due:
            day, status, completed = TODAY + dt.timedelta(days=offsets[n % 4]), "pending", "\\N"
        elif n % 5 == 0:  # completed in the past
            day = TODAY - dt.timedelta(days=30 + n % 700)
            status, completed = "completed", day.isoformat()
        else:  # far ahead, between offsets
            day, status, completed = TODAY + dt.timedelta(days=20 + n % 700), "pending", "\\N"
        buf.write(f"{mid}\t1\t{stamp}\t{stamp}\t{projects[j]}\t{plan_of[j]}\tMilestone {mid}\t\t{day}\t{day}\t1\t"
                  f"{people[n % len(people)]}\t{status}\t{completed}\t\t\n")
    buf.seek(0)
    columns = ("id, version, created_at, updated_at, project_id, plan_id, title, description, due_date, "
               "baseline_due_date, weight, responsible_id, status, completed_on, completion_note, evidence_url")
    with transaction.atomic():
        declare_application_write()
        with connection.cursor() as cursor, cursor.copy(f"COPY projects_milestone ({columns}) FROM STDIN") as copy:
            while chunk := buf.read(1 << 20):
                copy.write(chunk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('projects_milestone', 'id'), %s)", [first_id + count])
        cursor.execute("ANALYZE projects_milestone")


def measure_sweep(label: str) -> dict[str, Any]:
    from django.db import connection

    from notifications.services.reminders import milestone_reminders
    from projects.models import Milestone

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_delivery CASCADE")
    total = Milestone.objects.count()
    started = time.perf_counter()
    created = len(milestone_reminders(now=NOW))
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = len(milestone_reminders(now=NOW + dt.timedelta(minutes=1)))
    second = time.perf_counter() - started
    row = {"label": label, "milestones": total, "created": created, "seconds": first, "again": again,
           "again_seconds": second}
    print(f"sweep {label}: {total:,} milestones -> {created:,} deliveries in {first:.2f} s; "
          f"second run {again} in {second:.2f} s", flush=True)
    return row


def measure_fanout(base: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    import redis
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from notifications.models import NotificationProfile, Subscription
    from notifications.services.dispatch import dispatch_event
    from notifications.tasks import enqueue_send
    from plans.models import Cluster, HistoryEvent, Plan, Source, Stakeholder
    from plans.services.history import Actor, declare_application_write
    from projects.models import Milestone, Project
    from projects.services.milestones import milestone_complete

    settings.HISTORY_EVENT_CONSUMERS = []  # no after-commit dispatch: it is timed by hand below
    with transaction.atomic():
        declare_application_write()
        cluster = Cluster.objects.create(name="Fan-out", slug="fanout")
        plan = Plan.objects.create(cluster=cluster, title="PMC fan-out", status="in_execution")
        project = Project.objects.create(plan=plan, code="F1", title="Fan-out", category="quality",
                                         status="in_execution")
        people = Stakeholder.objects.bulk_create(
            Stakeholder(cluster=cluster, name=f"Sub {k}", email=f"sub{k}@example.org", language="es" if k % 2 else "en")
            for k in range(FANOUT)
        )
        NotificationProfile.objects.bulk_create(NotificationProfile(stakeholder=s) for s in people)
        Subscription.objects.bulk_create(
            Subscription(stakeholder=s, scope="plan", scope_id=plan.pk, events=["milestone_completed"])
            for s in people
        )
        milestone = Milestone.objects.create(project=project, plan=plan, title="Cold room tender",
                                             due_date=TODAY, baseline_due_date=TODAY)
    user = get_user_model().objects.create(username=f"bench-{secrets.token_hex(4)}")
    milestone_complete(milestone_id=milestone.pk, actor=Actor(user=user, source=Source.COMMAND),
                       completed_on=TODAY - dt.timedelta(days=1))
    event = HistoryEvent.objects.filter(object_type="projects.milestone", object_id=milestone.pk).latest("id")
    redis.Redis.from_url(REDIS).flushdb()
    started = time.perf_counter()
    ids = dispatch_event(event_id=event.pk)
    dispatched = time.perf_counter() - started
    started = time.perf_counter()
    queued = enqueue_send(ids)
    enqueued = time.perf_counter() - started
    redis.Redis.from_url(REDIS).flushdb()
    print(f"fan-out: {len(ids):,} deliveries in {dispatched:.2f} s; {queued:,} queued in {enqueued:.2f} s", flush=True)
    return {"deliveries": len(ids), "seconds": dispatched, "queued": queued, "queue_seconds": enqueued}, ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure_smtp(ids: list[int], count: int) -> dict[str, Any]:
    from notifications.backends import SmtpBackend
    from notifications.models import Delivery
    from notifications.rendering import render
    from notifications.services.sending import send_batch
    from plans.services.links import link_account

    port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

        def backend() -> SmtpBackend:
            return SmtpBackend(host="127.0.0.1", port=port, username="", password="", use_tls=False, use_ssl=False)

        class OneConnectionEach(SmtpBackend):
            """The same batch path, but a new SMTP connection (connect, EHLO, QUIT) per message."""

            def send_messages(self, email_messages: Any) -> int:
                sent = super().send_messages(email_messages)
                self.close()
                return sent

        reuse_ids, each_ids, naive_ids = ids[:count], ids[count:2 * count], ids[2 * count:3 * count]
        first_ids = ids[4 * count:5 * count]
        # A person's first message creates their link account (a passwordless user, its history
        # event and their key); it is timed on its own, the other rows on people who have one.
        people = Delivery.objects.filter(pk__in=ids[:4 * count]).values_list("stakeholder_id", flat=True)
        for stakeholder_id in people:
            link_account(stakeholder_id)
        started = time.perf_counter()
        send_batch(first_ids, connection=backend())
        first = count / (time.perf_counter() - started)
        started = time.perf_counter()
        send_batch(reuse_ids, connection=backend())
        reuse = count / (time.perf_counter() - started)
        started = time.perf_counter()
        send_batch(each_ids, connection=OneConnectionEach(host="127.0.0.1", port=port, username="", password="",
                                                          use_tls=False, use_ssl=False))
        single = count / (time.perf_counter() - started)
        started = time.perf_counter()
        for delivery_id in naive_ids:  # one task per message: no batch, no shared content, own connection
            send_batch([delivery_id], connection=backend())
        naive = count / (time.perf_counter() - started)
        sent = Delivery.objects.filter(pk__in=reuse_ids + each_ids + naive_ids + first_ids, status="sent").count()
        rest = Delivery.objects.select_related("cluster").filter(pk__in=ids[3 * count:4 * count])
        messages = [render(d) for d in rest]
        started = time.perf_counter()
        conn = backend()
        conn.open()
        for m in messages:
            conn.send_messages([m])
        conn.close()
        raw_reuse = len(messages) / (time.perf_counter() - started)
        started = time.perf_counter()
        for m in messages:
            backend().send_messages([m])
        raw_single = len(messages) / (time.perf_counter() - started)
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    print(f"smtp pipeline: first messages {first:.0f}/s, reuse {reuse:.0f}/s, one connection each {single:.0f}/s, "
          f"one batch each {naive:.0f}/s ({sent} sent); "
          f"raw: reuse {raw_reuse:.0f}/s, one each {raw_single:.0f}/s", flush=True)
    return {"count": count, "first": first, "reuse": reuse, "single": single, "naive": naive, "raw_reuse": raw_reuse,
            "raw_single": raw_single, "sent": sent}


def report(sweeps: list[dict[str, Any]], fanout: dict[str, Any], smtp: dict[str, Any]) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Notifications", "",
        f"`make bench-notifications` ({stamp}): PostgreSQL ({platform.node()}, 2 shared cores), Redis DB 14, "
        "rows bulk-loaded with COPY. Each reminder figure is one run of `milestone_reminders` (find the "
        "milestones owing a reminder now, compute each recipient's local instant, insert the deliveries), "
        "then a second run a minute later (the same beat run twice: nothing new).", "",
        "| reminder sweep | milestones | deliveries created | time s | second run: created | second run s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [f"| {r['label']} | {r['milestones']:,} | {r['created']:,} | {r['seconds']:.2f} | {r['again']} | "
              f"{r['again_seconds']:.2f} |" for r in sweeps]
    lines += [
        "",
        "The time follows the milestones that owe a reminder, not the table: ten times the milestones with the "
        "same due ones costs about the same; a tenth of the due ones costs about a tenth. The query reads the "
        "(status, due_date) index for a few candidate dates plus the overdue window (see "
        "notifications/services/reminders.py).", "",
        "| fan-out of one milestone completion | value |", "| --- | ---: |",
        f"| subscribers | {FANOUT:,} |",
        f"| deliveries created by `dispatch_event` | {fanout['deliveries']:,} in {fanout['seconds']:.2f} s |",
        f"| send tasks queued on Redis (batches of 50) | {fanout['queued']:,} ids in {fanout['queue_seconds']:.2f} s |",
        "",
        f"| SMTP to aiosmtpd on loopback, one process, {smtp['count']:,} messages each | messages/s |",
        "| --- | ---: |",
        f"| pipeline (claim, render, send, mark sent), one batch, one reused connection | {smtp['reuse']:.0f} |",
        f"| pipeline, one batch, a new connection per message | {smtp['single']:.0f} |",
        f"| pipeline, one batch (task) per message, each with its own connection | {smtp['naive']:.0f} |",
        f"| pipeline, one batch, one reused connection, each person's first message (creates their link account) "
        f"| {smtp['first']:.0f} |",
        f"| SMTP alone (pre-rendered), one reused connection | {smtp['raw_reuse']:.0f} |",
        f"| SMTP alone, a new connection per message | {smtp['raw_single']:.0f} |",
        "",
        f"Reusing the connection: {smtp['reuse'] / smtp['single']:.1f}x in the pipeline, "
        f"{smtp['raw_reuse'] / smtp['raw_single']:.1f}x for SMTP alone; batching as a whole (one task per 50 "
        f"messages, content composed once per event and language, one connection): "
        f"{smtp['reuse'] / smtp['naive']:.1f}x over one task per message. On loopback a new connection "
        "(TCP connect, EHLO, QUIT to aiosmtpd) is cheap; with a remote server, TLS and authentication it costs "
        "round trips per message, which reuse avoids. A person's first message also creates their link account "
        "(a user with no password, its history event on the cluster's chain, their key): a one-time cost per "
        "person. The pipeline does two database statements per message "
        "(a conditional claim, then the mark). Figures move by tens of percent between runs on this shared "
        "machine.",
        "",
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace (or append) only the "## Notifications" section."""
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Notifications\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--smtp-messages", type=int, default=1000)
    args = parser.parse_args()
    ensure_database()
    setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from plans.services.history import declare_application_write

    call_command("migrate", verbosity=0)
    base = reset()
    sweeps = []
    copy_milestones(base, 100_000, 10_000, first_id=1)
    sweeps.append(measure_sweep("100,000 milestones, 10,000 owe a reminder"))
    copy_milestones(base, 900_000, 0, first_id=100_001)
    sweeps.append(measure_sweep("1,000,000 milestones, 10,000 (1%) owe a reminder"))
    with transaction.atomic():
        declare_application_write()
        with connection.cursor() as cursor:  # 9,000 of the due ones move far ahead
            cursor.execute("UPDATE projects_milestone SET due_date = due_date + 400 WHERE id > 1000 AND id <= 10000")
    sweeps.append(measure_sweep("1,000,000 milestones, 1,000 owe a reminder"))
    fanout, ids = measure_fanout(base)
    smtp = measure_smtp(ids, args.smtp_messages)
    section = report(sweeps, fanout, smtp)
    print(section)
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
