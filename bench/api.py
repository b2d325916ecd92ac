"""`make bench-api`: latency and throughput of three API reads beside a bare-Django floor.

Builds (once) a plan of 200 projects x 25 milestones in a dedicated PostgreSQL database
(`pmc_bench`), serves the app with gunicorn on 127.0.0.1 (a free port; bench.settings adds
the floor views), and measures p50/p95 latency (one request at a time) and requests/s (two
clients) of each endpoint and of its floor, interleaved in rounds so background load hits
both alike. A bounded number of requests, loopback only; gunicorn is stopped at the end.
The table goes to stdout and to docs/benchmarks.md under "## API".

    python -m bench.api [--rounds 8] [--per-round 25] [--no-write]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pmc_bench")
PROJECTS, MILESTONES_EACH = 200, 25
SLUG = "bench-api"

ENV = {
    "PMC_ENV": "production",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DATABASE_URL": DB_URL,
    "THROTTLE_USER": "1000000/minute",  # throttling still runs; the bench must not hit the limit
    "LOG_LEVEL": "WARNING",
    "REDIS_URL": "",
}


def ensure_database() -> None:
    import psycopg

    base, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')  # name from our own constant/env, not user input


def setup_django() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build() -> tuple[int, str]:
    """The plan (reused when already built) and a fresh knox token of its coordinator."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from knox.models import AuthToken

    from plans.models import Cluster, Forum, Organization, Phase, Plan, Role, RoleAssignment, Source, StrategicLine
    from plans.services.clusters import cluster_create
    from plans.services.history import Actor, declare_application_write, record_event
    from plans.services.plans import plan_create
    from projects.models import FundingLine, Milestone, Project, ProjectBeneficiary

    actor = Actor.system(Source.COMMAND)
    user, _ = get_user_model().objects.get_or_create(username="bench-coordinator")
    cluster = Cluster.objects.filter(slug=SLUG).first()
    plan = Plan.objects.filter(cluster=cluster).first() if cluster else None
    if plan is None or Milestone.objects.filter(plan=plan).count() != PROJECTS * MILESTONES_EACH:
        print(f"building {PROJECTS} projects x {MILESTONES_EACH} milestones ...", flush=True)
        if cluster is None:
            cluster = cluster_create(actor=actor, name="Bench dairy cluster", slug=SLUG)
        plan = plan_create(cluster_id=cluster.pk, actor=actor, title="PMC bench")
        RoleAssignment.objects.get_or_create(user=user, cluster=cluster, role=Role.COORDINATOR)
        today = timezone.localdate()
        with transaction.atomic():
            declare_application_write("bench: bulk rows")  # the app's own rows, not outside writes
            orgs = [Organization.objects.get_or_create(cluster=cluster, name=f"Org {i}", defaults={"kind": "other"})[0]
                    for i in range(10)]
            lines = [StrategicLine.objects.create(plan=plan, code=f"L{i}", title=f"Line {i}") for i in range(3)]
            projects = Project.objects.bulk_create(
                Project(plan=plan, code=f"P{i:03d}", title=f"Project {i}", category="quality",
                        strategic_line=lines[i % 3], objective="Mejorar la calidad de la leche " * 3)
                for i in range(PROJECTS)
            )
            FundingLine.objects.bulk_create(
                FundingLine(project=p, source=s, currency=c, budget=Decimal("150000.00"), executed=Decimal("1000.00"))
                for p in projects for s, c in (("programme_grant", "ARS"), ("private", "USD"))
            )
            ProjectBeneficiary.objects.bulk_create(
                ProjectBeneficiary(project=p, organization=orgs[(i + k) % 10])
                for i, p in enumerate(projects) for k in range(3)
            )
            statuses = ["pending", "in_progress", "completed", "pending", "cancelled"]
            Milestone.objects.bulk_create(
                Milestone(project=p, plan=plan, title=f"Milestone {j} of {p.code}", description="Entregable " * 5,
                          due_date=today + dt.timedelta(days=j * 9 - 60), baseline_due_date=today,
                          status=statuses[j % 5], weight=1 + j % 3,
                          completed_on=today if statuses[j % 5] == "completed" else None)
                for p in projects for j in range(MILESTONES_EACH)
            )
            phase = Phase.objects.filter(plan=plan).order_by("order").first()
            assert phase is not None
            starts = timezone.now() + dt.timedelta(days=9)
            Forum.objects.create(plan=plan, phase=phase, title="Foro II", starts_at=starts)
            for i in range(40):
                record_event(actor=actor, action="update", instance=plan, changes={"vision": [str(i), str(i + 1)]})
    AuthToken.objects.filter(user=user).delete()
    _, token = AuthToken.objects.create(user=user)
    return plan.pk, token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **ENV}
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get(port, "/bench/floor/milestones/?plan=0", None)
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError("gunicorn did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def get(port: int, path: str, token: str | None, *, cookie: str | None = None) -> tuple[float, bytes]:
    """One timed GET: with a token as the API's clients send it, or with a session cookie as a page."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept": "application/json" if token or not cookie else "text/html"}
    if token:
        headers["Authorization"] = f"Token {token}"
    if cookie:
        headers["Cookie"] = cookie
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
    return elapsed, body


def throughput(port: int, path: str, token: str | None, total: int, clients: int = 2) -> float:
    done = [0]
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if done[0] >= total:
                    return
                done[0] += 1
            get(port, path, token)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total / (time.perf_counter() - start)


def same_content(api: bytes, floor: bytes) -> bool:
    import orjson

    a, f = orjson.loads(api), orjson.loads(floor)
    for body in (a, f):
        body.pop("generated_at", None)
        body.pop("next", None)
    return bool(a == f)


def machine() -> list[str]:
    def sh(*cmd: str) -> str:
        return subprocess.run(list(cmd), capture_output=True, text=True, check=False).stdout.strip()

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg = cursor.fetchone()[0].split(" on ")[0]
    return [f"nproc: {sh('nproc')}", *sh("lscpu").splitlines()[:10], f"Python {platform.python_version()}", pg]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=25)
    parser.add_argument("--throughput-requests", type=int, default=150)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    ensure_database()
    setup_django()
    plan_id, token = build()
    pairs = [
        # The fixed cost of an authenticated call: the floor authenticates too (one statement).
        ("GET /me/", "/api/v1/me/", "/bench/floor/me/"),
        ("GET /plans/{id}/dashboard/", f"/api/v1/plans/{plan_id}/dashboard/",
         f"/bench/floor/plans/{plan_id}/dashboard/"),
        ("GET /milestones/?plan=&page_size=200", f"/api/v1/milestones/?plan={plan_id}&page_size=200",
         f"/bench/floor/milestones/?plan={plan_id}&page_size=200"),
        ("GET /projects/?plan=", f"/api/v1/projects/?plan={plan_id}", f"/bench/floor/projects/?plan={plan_id}"),
    ]
    load_before = os.getloadavg()[0]
    port = free_port()
    proc = start_gunicorn(port, args.workers)
    results = []
    try:
        samples: dict[str, list[float]] = {}
        for label, api, floor in pairs:
            _, api_body = get(port, api, token)
            _, floor_body = get(port, floor, token)
            if not same_content(api_body, floor_body):
                raise SystemExit(f"{label}: the floor does not return the same content as the API")
            for _ in range(10):  # warm both workers
                get(port, api, token)
                get(port, floor, token)
            samples[api], samples[floor] = [], []
        for _ in range(args.rounds):
            for _label, api, floor in pairs:
                for path, auth in ((api, token), (floor, token)):
                    samples[path] += [get(port, path, auth)[0] for _ in range(args.per_round)]
        for label, api, floor in pairs:
            row: dict[str, Any] = {"label": label, "bytes": len(get(port, api, token)[1])}
            for kind, path, auth in (("api", api, token), ("floor", floor, token)):
                data = sorted(samples[path])
                row[f"{kind}_p50"] = statistics.median(data) * 1000
                row[f"{kind}_p95"] = data[int(len(data) * 0.95) - 1] * 1000
                row[f"{kind}_rps"] = throughput(port, path, auth, args.throughput_requests)
            row["ratio"] = row["api_p50"] / row["floor_p50"]
            results.append(row)
    finally:
        stop(proc)

    load_after = os.getloadavg()[0]
    n = args.rounds * args.per_round
    lines = [
        "## API",
        "",
        f"`make bench-api` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}): one plan of {PROJECTS} projects x "
        f"{MILESTONES_EACH} milestones on PostgreSQL, gunicorn with {args.workers} sync workers on loopback, "
        f"production settings (knox token auth, throttling with the local-memory cache). Latency: {n} sequential "
        f"requests per URL, in {args.rounds} rounds interleaving the API and its floor; requests/s: "
        f"{args.throughput_requests} requests from 2 concurrent clients. Floor = a bare Django view returning the "
        "same JSON (checked equal) with `.values()` and orjson, no DRF, no auth (but `/me/`'s floor, which "
        "authenticates the same token in one statement: the row beside it is the fixed cost of an API call).",
        "",
        "| endpoint | API p50 ms | API p95 ms | API req/s | floor p50 ms | floor p95 ms | floor req/s | p50 ratio "
        "| p50 gap ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['label']} ({r['bytes'] // 1024} KiB) | {r['api_p50']:.1f} | {r['api_p95']:.1f} | {r['api_rps']:.0f} "
            f"| {r['floor_p50']:.1f} | {r['floor_p95']:.1f} | {r['floor_rps']:.0f} | {r['ratio']:.2f}x "
            f"| {r['api_p50'] - r['floor_p50']:.1f} |"
        )
    lines += [
        "",
        "What the API does beyond its floor: DRF request/response handling, knox token authentication (one "
        "statement: the presented token with its user; expired tokens are purged by beat, see "
        "plans/api/base/authentication.py), the role "
        "check (roles cached across reads, see plans/access_cache.py), throttling, django-filter, "
        "search and ordering. The rows themselves are the same `.values()` queries rendered by orjson "
        "(plans/api/base/renderers.py), so the gap is a fixed cost per request, not per row. The machine is "
        f"shared (1-minute load average {load_before:.1f} before the run, {load_after:.1f} after): figures "
        "move by tens of percent between runs; the API and its floor are interleaved so both see the same load.",
        "", "Machine:", "", "```", *machine(), "```", "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", text)


def write_section(path: Path, section: str, heading: str = "## API") -> None:
    """Replace (or append) only the section under `heading`; other sections belong to other benches."""
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: section + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    main()
