"""`make bench-history`: the audit history at scale, on PostgreSQL (database `pmc_bench_history`).

For each size (default: 200,000 then 1,000,000 events across 50 plans, one chain per
cluster) it builds valid hash chains fast — hashes computed in Python exactly as
`record_event` does, rows loaded with COPY (the guards refuse only UPDATE/DELETE) — and
measures:

- the first and the 100th page of the biggest plan's timeline (view called in-process,
  cursor pagination, 50 per page): p50/p95 of repeated requests;
- the export of that plan (JSON Lines, streamed) in a subprocess: rate and peak RSS;
- verification of every event (`verify_chains`) in a subprocess: rate and peak RSS;
- the as-of rebuild of a plan of N milestones (each created, rescheduled and completed).

Domain rows exist for clusters and plans only; phases, projects and milestones live in the
events (as-of and the timeline read nothing else). Results: stdout, var/bench_history.json.

    python -m bench.history [--sizes 200000,1000000]
    python -m bench.history --measure-only   # re-measure the data left by the last build
    python -m bench.history measure-export PLAN_ID   # (internal: subprocess)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import time
from array import array
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("BENCH_HISTORY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pmc_bench_history")
PLANS = 50
ENV = {
    "PMC_ENV": "production", "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48), "DJANGO_ALLOWED_HOSTS": "testserver",
    "DATABASE_URL": DB_URL, "REDIS_URL": "", "LOG_LEVEL": "WARNING",
    "THROTTLE_USER": "1000000/minute",
}
# Per size: (total events, events of the biggest plan, milestones of the as-of plan).
SHAPES = {200_000: (200_000, 20_000, 1_000), 1_000_000: (1_000_000, 100_000, 5_000)}
START = dt.datetime(2012, 7, 1, tzinfo=dt.UTC)


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


def plan_script(plan_id: int, milestones: int, projects: int) -> Any:
    """The events of one plan in their logical order: (object_type, object_id, action, changes)."""
    yield "plans.plan", plan_id, "create", {"title": [None, f"PMC {plan_id}"], "status": [None, "draft"]}
    for k in range(1, 9):
        yield "plans.phase", plan_id * 100 + k, "create", {"order": [None, k], "title": [None, f"Fase {k}"],
                                                           "status": [None, "pending"], "plan": [None, plan_id]}
    for p in range(projects):
        yield "projects.project", plan_id * 1000 + p, "create", {
            "code": [None, f"P{p}"], "title": [None, f"Proyecto {p}"], "status": [None, "idea"],
            "plan": [None, plan_id]}
    base = plan_id * 1_000_000
    for m in range(milestones):
        due = (START.date() + dt.timedelta(days=30 + m % 700)).isoformat()
        yield "projects.milestone", base + m, "create", {
            "title": [None, f"Hito {m}"], "due_date": [None, due], "baseline_due_date": [None, due],
            "status": [None, "pending"], "project": [None, plan_id * 1000 + m % max(projects, 1)],
            "plan": [None, plan_id], "weight": [None, 1]}
    for m in range(milestones):
        old = (START.date() + dt.timedelta(days=30 + m % 700)).isoformat()
        new = (START.date() + dt.timedelta(days=60 + m % 700)).isoformat()
        yield "projects.milestone", base + m, "reschedule", {"due_date": [old, new]}
    for m in range(milestones):
        yield "projects.milestone", base + m, "complete", {
            "status": ["pending", "completed"], "completed_on": [None, "2014-05-01"]}


def build(total: int, big: int, asof_milestones: int) -> dict[str, Any]:
    from django.db import connection, transaction

    from plans.models import Cluster, HistoryChainHead, Plan
    from plans.services.history import (
        GENESIS_HASH,
        canonical_json,
        content_hash,
        declare_application_write,
        history_value,
    )

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE plans_historyevent, plans_historychainhead, plans_cluster CASCADE")
        cursor.execute("TRUNCATE pmc_outside_write")
        cursor.execute("SET synchronous_commit = off")
    with transaction.atomic():
        # Bulk scale data: one programme-wide event makes the transaction the application's.
        first_id = declare_application_write("bench: clusters and plans").pk + 1
        clusters = Cluster.objects.bulk_create(Cluster(name=f"Bench {i}", slug=f"bench-{i}") for i in range(PLANS))
        plans = Plan.objects.bulk_create(Plan(cluster=c, title=f"PMC {c.pk}") for c in clusters)
    # Budgets: plan 0 the biggest, plan 1 the as-of plan, the rest share what is left.
    fixed = 1 + 8 + 50
    budgets = [big, fixed + 3 * asof_milestones]
    rest = (total - sum(budgets)) // (PLANS - 2)
    budgets += [rest] * (PLANS - 2)
    budgets[-1] += total - sum(budgets)
    scripts = []
    for plan, budget in zip(plans, budgets, strict=True):
        projects = 50 if budget >= fixed + 3 else 0
        milestones = (budget - 9 - projects) // 3
        extra = budget - (9 + projects + 3 * milestones)
        scripts.append(plan_script(plan.pk, milestones, projects + extra))
    order = array("b", (i for i, b in enumerate(budgets) for _ in range(b)))
    random.Random(7).shuffle(order)
    chains: dict[int, list[Any]] = {p.cluster_id: [0, GENESIS_HASH] for p in plans}
    span = (START + relativedelta(years=3) - START) / total
    columns = ("id", "chain_id", "chain_seq", "occurred_at", "actor_id", "actor_label", "source", "action",
               "object_type", "object_id", "object_repr", "plan_id", "changes", "reason", "context", "outside_app",
               "prev_hash", "hash")
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(f"COPY plans_historyevent ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for n, index in enumerate(order, start=1):
                plan = plans[index]
                object_type, object_id, action, changes = next(scripts[index])
                chain = chains[plan.cluster_id]
                at = START + span * n
                content = {
                    "chain_id": plan.cluster_id, "chain_seq": chain[0] + 1, "occurred_at": history_value(at),
                    "actor_id": None, "actor_label": "bench", "source": "command", "action": action,
                    "object_type": object_type, "object_id": object_id, "object_repr": f"{object_type} {object_id}",
                    "plan_id": plan.pk, "changes": changes, "reason": "", "context": {}, "outside_app": False,
                    "prev_hash": chain[1],
                }
                digest = content_hash(content)
                copy.write_row((first_id - 1 + n, plan.cluster_id, chain[0] + 1, at, None, "bench", "command", action,
                                object_type, object_id, content["object_repr"], plan.pk, canonical_json(changes), "",
                                "{}", False, chain[1], digest))
                chain[0], chain[1] = chain[0] + 1, digest
        HistoryChainHead.objects.bulk_create(
            HistoryChainHead(chain_id=c, last_seq=s, last_hash=h) for c, (s, h) in chains.items()
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('plans_historyevent', 'id'), %s)", [first_id + total - 1])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE plans_historyevent")
    return {"build_s": round(time.perf_counter() - started, 1), "big_plan": plans[0].pk, "asof_plan": plans[1].pk,
            "big_events": budgets[0], "asof_events": budgets[1]}


def timeline_pages(plan_id: int, repeats: int = 25) -> dict[str, float]:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIRequestFactory, force_authenticate

    from plans.audit.api import PlanHistoryView

    admin, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    view, factory = PlanHistoryView.as_view(), APIRequestFactory()

    def get(url: str) -> Any:
        request = factory.get(url)
        force_authenticate(request, user=admin)
        response = view(request, pk=plan_id)
        response.render()
        assert response.status_code == 200, response.content[:200]
        return response

    first = f"/api/v1/plans/{plan_id}/history/"
    url = first
    for _ in range(99):
        url = json.loads(get(url).content)["next"].replace("http://testserver", "")
    out: dict[str, float] = {}
    for name, target in (("page_1", first), ("page_100", url)):
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            get(target)
            times.append((time.perf_counter() - t) * 1000)
        out[f"{name}_p50_ms"] = round(statistics.median(times), 1)
        out[f"{name}_p95_ms"] = round(sorted(times)[int(len(times) * 0.95) - 1], 1)
    return out


def measure_in_subprocess(kind: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(  # our own module, fixed arguments
        [sys.executable, "-m", "bench.history", kind, *args], cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_export(plan_id: int) -> None:
    setup()
    from plans.audit import export
    from plans.audit.timeline import plan_events

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = rows = 0
    for chunk in export.batched(export.export_lines(plan_events(plan_id), "jsonl")):
        size += len(chunk)
        rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"export_rows": rows, "export_s": round(seconds, 2), "export_rows_per_s": round(rows / seconds),
                      "export_mb": round(size / 1e6, 1), "export_rss_before_mb": round(base / 1024),
                      "export_peak_rss_mb": round(peak / 1024)}))


def measure_verify() -> None:
    setup()
    from plans.audit.verify import verify_chains

    started = time.perf_counter()
    report = verify_chains()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert report.ok, report.as_dict(all_chains=False)
    print(json.dumps({"verify_events": report.events_checked, "verify_s": round(seconds, 1),
                      "verify_events_per_s": round(report.events_checked / seconds),
                      "verify_peak_rss_mb": round(peak / 1024)}))


def asof_rebuild(plan_id: int, repeats: int = 5) -> dict[str, Any]:
    from plans.audit.asof import plan_state

    at = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        data = plan_state(plan_id, at)
        json.dumps(data)
        times.append(time.perf_counter() - t)
    assert all(m["status"] == "completed" for m in data["milestones"])
    return {"asof_milestones": len(data["milestones"]), "asof_p50_s": round(statistics.median(times), 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", nargs="?", default="run", choices=["run", "measure-export", "measure-verify"])
    parser.add_argument("plan", nargs="?", type=int)
    parser.add_argument("--sizes", default="200000,1000000")
    parser.add_argument("--measure-only", action="store_true", help="keep the last built data, measure again")
    args = parser.parse_args()
    if args.command == "measure-export":
        return measure_export(args.plan)
    if args.command == "measure-verify":
        return measure_verify()
    ensure_database()
    setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results = []
    saved = ROOT / "var" / "bench_history.json"
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.measure_only:
        sizes = [json.loads(saved.read_text())[-1]["events"]]
    for size in sizes:
        total, big, milestones = SHAPES.get(size, (size, size // 10, max(size // 200, 10)))
        row: dict[str, Any] = {"events": total}
        if args.measure_only:
            last = json.loads(saved.read_text())[-1]
            row.update({k: last[k] for k in ("build_s", "big_plan", "asof_plan", "big_events", "asof_events")})
        else:
            row.update(build(total, big, milestones))
            print(f"built {total:,} events in {row['build_s']} s", flush=True)
        row["load_avg_1m"] = round(os.getloadavg()[0], 1)  # 2 shared cores: other work skews the figures
        row.update(timeline_pages(row["big_plan"]))
        row.update(measure_in_subprocess("measure-export", str(row["big_plan"])))
        row.update(measure_in_subprocess("measure-verify"))
        row.update(asof_rebuild(row["asof_plan"]))
        print(json.dumps(row), flush=True)
        results.append(row)
    (ROOT / "var").mkdir(exist_ok=True)
    if not args.measure_only:
        saved.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
