"""`make bench-web`: server time of the plan page beside `GET /api/v1/plans/{id}/dashboard/`.

Same method and data as `make bench-api` (bench/api.py): the plan of 200 projects x 25
milestones in the PostgreSQL database `pmc_bench`, gunicorn on loopback with production
settings, p50/p95 of sequential requests and requests/s of two clients, the page and the API
interleaved in rounds so background load hits both alike. The page is requested with a
session cookie of the plan's coordinator (a session created in the database, as a login
would), the API with the coordinator's knox token. Target: page p50 within 1.5x of the API's.
The page is measured twice: as served (its content cached per change of the cluster,
projects/web/plan_cache.py: after the first view, every view until the next change) and
rendered afresh (`?fresh=1`: any query string bypasses the cache), the first view after a
change.
The table goes to stdout and to docs/benchmarks.md under "## Web pages".

    python -m bench.web [--rounds 8] [--per-round 25] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from importlib import import_module
from typing import Any

from bench import api

ROOT = api.ROOT
TARGET_RATIO = 1.5


def add_page_content(plan_id: int) -> None:
    """What the plan page shows beyond the API dashboard, once: 3 indicators with 12
    measurements each and 2 open agreements with positions (through the services)."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from plans.models import Agreement, Organization, Source
    from plans.services import agreements as agreement_services
    from plans.services.history import Actor
    from projects.models import Indicator
    from projects.services import indicators as indicator_services

    if Indicator.objects.filter(plan_id=plan_id).exists():
        return
    actor, today = Actor.system(Source.COMMAND), timezone.localdate()
    for n in range(3):
        indicator = indicator_services.indicator_create(
            plan_id=plan_id, actor=actor, name=f"Indicator {n}", unit="l/day", baseline_value=Decimal(1000),
            baseline_date=today - dt.timedelta(days=400), target_value=Decimal(2000),
            target_date=today + dt.timedelta(days=400),
        )
        for k in range(12):
            indicator_services.measurement_record(indicator_id=indicator.pk, actor=actor, value=Decimal(1000 + 50 * k),
                                                  measured_on=today - dt.timedelta(days=30 * (12 - k)))
    orgs = list(Organization.objects.filter(cluster__plans__id=plan_id).order_by("id")[:6])
    for n in range(2):
        agreement = agreement_services.agreement_create(plan_id=plan_id, actor=actor, title=f"Agreement {n}",
                                                        subject=Agreement.Subject.OTHER)
        for org in orgs:
            agreement_services.position_record(agreement_id=agreement.pk, organization_id=org.pk,
                                               position="agree", actor=actor)


def analyze() -> None:
    """Planner statistics, as autovacuum keeps them on a live server (the bench data is bulk
    inserted, and this machine's PostgreSQL runs with autovacuum off): without them the planner
    guesses one row per table and both URLs run plans no production server would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def session_cookie() -> tuple[str, str]:
    """A logged-in session of the bench coordinator: (cookie name, session key)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    user = get_user_model().objects.get(username="bench-coordinator")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return settings.SESSION_COOKIE_NAME, str(store.session_key)


def get(port: int, path: str, *, token: str | None = None, cookie: str | None = None) -> tuple[float, bytes]:
    return api.get(port, path, token, cookie=cookie)


def split(plan_id: int, token: str, rounds: int = 30) -> dict[str, dict[str, float]]:
    """In this process (no HTTP): median wall, CPU and database time and the queries of each URL."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    page = Client()
    page.force_login(get_user_model().objects.get(username="bench-coordinator"))
    dashboard = Client(headers={"authorization": f"Token {token}", "accept": "application/json"})
    urls = {"page": (page, f"/plans/{plan_id}/"), "fresh": (page, f"/plans/{plan_id}/?fresh=1"),
            "api": (dashboard, f"/api/v1/plans/{plan_id}/dashboard/")}
    db = {"queries": 0, "seconds": 0.0}

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db["queries"] += 1
            db["seconds"] += time.perf_counter() - start

    samples: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in urls}
    with connection.execute_wrapper(timed):
        for client, path in urls.values():  # warm
            client.get(path, secure=True)
        for _ in range(rounds):
            for name, (client, path) in urls.items():
                db.update(queries=0, seconds=0.0)
                wall, cpu = time.perf_counter(), time.process_time()
                client.get(path, secure=True)
                samples[name].append((time.perf_counter() - wall, time.process_time() - cpu, db["seconds"],
                                      db["queries"]))
    return {
        name: {key: statistics.median(s[i] for s in rows) * (1 if key == "queries" else 1000)
               for i, key in enumerate(("wall", "cpu", "db", "queries"))}
        for name, rows in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=25)
    parser.add_argument("--throughput-requests", type=int, default=150)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    api.ensure_database()
    api.setup_django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # production storage reads the manifest
    plan_id, token = api.build()
    add_page_content(plan_id)
    analyze()
    name, key = session_cookie()
    cookie = f"{name}={key}"
    targets: dict[str, dict[str, Any]] = {
        "page": {"label": f"GET /plans/{plan_id}/ (plan page, HTML, as served)", "path": f"/plans/{plan_id}/",
                 "auth": {"cookie": cookie}},
        "fresh": {"label": f"GET /plans/{plan_id}/?fresh=1 (plan page rendered afresh)",
                  "path": f"/plans/{plan_id}/?fresh=1", "auth": {"cookie": cookie}},
        "api": {"label": f"GET /api/v1/plans/{plan_id}/dashboard/ (JSON)",
                "path": f"/api/v1/plans/{plan_id}/dashboard/", "auth": {"token": token}},
    }
    load_before = os.getloadavg()[0]
    port = api.free_port()
    proc = api.start_gunicorn(port, args.workers)
    try:
        _, page_body = get(port, targets["page"]["path"], **targets["page"]["auth"])
        if b"P000" not in page_body or b"<svg" not in page_body or b"Indicator 2" not in page_body:
            raise SystemExit("the plan page does not show the bench plan's projects and charts")
        for target in targets.values():
            target["samples"] = []
            target["bytes"] = len(get(port, target["path"], **target["auth"])[1])
            for _ in range(10):  # warm both workers
                get(port, target["path"], **target["auth"])
        for _ in range(args.rounds):
            for target in targets.values():
                target["samples"] += [get(port, target["path"], **target["auth"])[0] for _ in range(args.per_round)]
        for target in targets.values():
            data = sorted(target["samples"])
            target["p50"] = statistics.median(data) * 1000
            target["p95"] = data[int(len(data) * 0.95) - 1] * 1000
            target["rps"] = _throughput(port, target, args.throughput_requests)
    finally:
        api.stop(proc)

    inside = split(plan_id, token)
    load_after = os.getloadavg()[0]
    ratio = targets["page"]["p50"] / targets["api"]["p50"]
    fresh_ratio = targets["fresh"]["p50"] / targets["api"]["p50"]
    n = args.rounds * args.per_round
    lines = [
        "## Web pages",
        "",
        f"`make bench-web` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}): the plan page against the API "
        f"dashboard on the same plan ({api.PROJECTS} projects x {api.MILESTONES_EACH} milestones, the `make bench-api` "
        "data, plus 3 indicators of 12 measurements and 2 open agreements with 6 positions each, which only the page "
        f"shows) on PostgreSQL, gunicorn with {args.workers} sync workers on loopback, production settings. The page "
        "is requested with the coordinator's session cookie, the API with the coordinator's knox token. Latency: "
        f"{n} sequential requests per URL in {args.rounds} rounds interleaving the two; requests/s: "
        f"{args.throughput_requests} requests from 2 concurrent clients. Target: page p50 within "
        f"{TARGET_RATIO}x of the API's.",
        "",
        "| URL | p50 ms | p95 ms | req/s | size |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for target in targets.values():
        lines.append(f"| {target['label']} | {target['p50']:.1f} | {target['p95']:.1f} | {target['rps']:.0f} "
                     f"| {target['bytes'] // 1024} KiB |")
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    lines += [
        "",
        f"Page / API p50 ratio: **{ratio:.2f}x** as served ({verdict} the {TARGET_RATIO}x target); "
        f"**{fresh_ratio:.2f}x** rendered afresh (the first view after a change).",
        "",
        "Where the time goes, measured in one process without HTTP (medians of 30 requests each):",
        "",
        "| URL | wall ms | CPU ms | database ms | queries |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(f"| {targets[name]['label']} | {row['wall']:.1f} | {row['cpu']:.1f} | {row['db']:.1f} "
          f"| {row['queries']:.0f} |" for name, row in inside.items()),
        "",
        "What the page does beyond the API: the session and its user (two queries, where knox's token lookup "
        "is one). As served, the plan row (with the hash of the cluster's last history event) and the cached "
        "content: no dashboard query, no rendering of the sections. Rendered afresh, no query of its own beyond "
        "the dashboard's (the milestones to act on, money per funding source, indicators with their last "
        "measurements and open agreements with their positions ride on the plan row's query as JSON arrays whose "
        "SQL is compiled once per process, projects/selectors/json_rows.py and prepared.py), and the HTML: 200 "
        "project rows with progress bars, 20 milestone rows with their actions, the SVG charts and the readable "
        "history, built in Python by projects/web/plan_display.py; the roles are cached across reads as for the "
        "API. "
        "Before the figures, the bench ANALYZEs its tables (this machine's PostgreSQL runs with autovacuum "
        "off). The machine is shared (1-minute load "
        f"average {load_before:.1f} before the run, {load_after:.1f} after): figures move by tens of percent "
        "between runs; the page and the API are interleaved so both see the same load.",
        "", "Machine:", "", "```", *api.machine(), "```", "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        api.write_section(ROOT / "docs" / "benchmarks.md", text, heading="## Web pages")


def _throughput(port: int, target: dict[str, Any], total: int) -> float:
    import threading

    done = [0]
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if done[0] >= total:
                    return
                done[0] += 1
            get(port, target["path"], **target["auth"])

    threads = [threading.Thread(target=worker) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total / (time.perf_counter() - start)


if __name__ == "__main__":
    main()
