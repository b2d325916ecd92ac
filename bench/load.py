"""`make bench-load`: one programme under a realistic mix of people at once (issue 13, "Under load").

Builds (once per shape) in its own PostgreSQL database: 50 clusters with one plan each
(bench/scale.py: 40 projects x 50 milestones per plan, 100,000 milestones), 20 coordinators
(each coordinates 2-3 clusters), 1,000 stakeholders (20 per cluster, each a user in an
organization, the responsible person of some milestones), two open agreements per plan and
20,000 earlier history events per cluster (1,000,000, chained as `record_event` chains
them); then, outside the build (an existing database gets it too), one upcoming forum per
plan for the stakeholders' RSVPs. `--scale 10` builds 10x the clusters, milestones and
events in a second database (issue 13, "Growth"); the same 1,020 people stay active in the
first 50 clusters.

Then serves the app as production does — gunicorn (sync workers) on PostgreSQL, Redis for
the cache and the Celery broker, a real Celery worker, a real SMTP server (aiosmtpd, in this
process, on loopback) — and runs locust headless (bench/locustfile.py) in steps of N virtual
users, each doing on average one request per second of the mix in `ROUTES` (Poisson arrivals:
independent people, not users in step), with every request's person drawn from the 1,020.
Per step: requests/s, p50/p95/p99, errors, and the outbox drain (from the end of the step
until every email the step's writes caused is dispatched, sent and received by the SMTP
server). The table goes to stdout and to docs/benchmarks.md ("## Load").

    python -m bench.load [--steps 2,4,6,10,20] [--step-seconds 40] [--workers 3] [--scale 1] [--no-write]
    python -m bench.load --scale 10                          # growth: 500 clusters, 1M milestones, 10M events
    python -m bench.load --report-only                       # the section again from the last results

This module imports only the standard library at the top: the locustfile and the tests read
`ROUTES` and `request_for` from it without Django or locust.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE_DB_URL = os.environ.get("BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pmc_bench_load")
REDIS = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/13")
VAR = ROOT / "var" / "bench_load"
ACTIVE_CLUSTERS, COORDINATORS, STAKEHOLDERS_EACH, ORGANIZATIONS_EACH = 50, 20, 20, 10
PROJECTS_EACH, MILESTONES_EACH, EVENTS_EACH, AGREEMENTS_EACH = 40, 50, 20_000, 2
P95_TARGET_MS = 200

# --- the mix: what a person of each kind requests (the locustfile's tasks name these) ----------
# name -> (method, path template, who). Placeholders are filled by `request_for`.
ROUTES: dict[str, tuple[str, str, str]] = {
    "plan page": ("GET", "/plans/{plan}/", "any"),
    "milestone list page": ("GET", "/plans/{plan}/milestones/", "any"),
    "milestone page": ("GET", "/milestones/{milestone}/", "any"),
    "timeline page": ("GET", "/plans/{plan}/history/", "coordinator"),
    "GET /api/v1/me/": ("GET", "/api/v1/me/", "any"),
    "GET /api/v1/milestones/?plan=": ("GET", "/api/v1/milestones/?plan={plan}&page_size=50", "any"),
    "GET /api/v1/plans/{id}/dashboard/": ("GET", "/api/v1/plans/{plan}/dashboard/", "any"),
    "GET /api/v1/plans/{id}/history/": ("GET", "/api/v1/plans/{plan}/history/", "coordinator"),
    "POST milestone complete": ("POST", "/api/v1/milestones/{open_milestone}/complete/", "coordinator"),
    "POST progress note": ("POST", "/api/v1/milestones/{own_milestone}/updates/", "stakeholder"),
    "POST position": ("POST", "/api/v1/agreements/{agreement}/positions/", "stakeholder"),
    "POST RSVP": ("POST", "/api/v1/forums/{forum}/rsvp/", "stakeholder"),
}
POSITIONS = ("agree", "agree", "agree", "abstain", "disagree")
RSVP_ANSWERS = ("yes", "no", "maybe")
# The writes that answer 200, not 201: a completion changes a milestone; a reply is one row per
# person, answered 200 whether it is the first or a change.
ANSWERS_200 = frozenset({"POST milestone complete", "POST RSVP"})


def expected_status(route: str) -> int:
    """The status a route's request answers when it works (the locustfile and the tests check it)."""
    return 201 if ROUTES[route][0] == "POST" and route not in ANSWERS_200 else 200


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None


def request_for(route: str, person: dict[str, Any], people: dict[str, Any], rng: random.Random) -> Request | None:
    """The request `person` makes for `route`: pages with their session cookie, the API with their
    token. None when there is nothing to do (no open milestone left to complete, none to report on)."""
    method, template, _who = ROUTES[route]
    plan = rng.choice(person["plans"])
    values: dict[str, Any] = {"plan": plan, "milestone": rng.choice(people["milestones"][str(plan)])}
    body: dict[str, Any] | None = None
    if route == "POST milestone complete":
        pool = people["open_milestones"][str(plan)]
        if not pool:
            return None
        values["open_milestone"] = pool.pop()  # each once: a second completion would be refused (400)
        body = {"completed_on": people["completed_on"], "note": "Entregado y verificado en la visita."}
    elif route == "POST progress note":
        if not person["own_milestones"]:
            return None
        values["own_milestone"] = rng.choice(person["own_milestones"])
        body = {"note": "Avance: se recibieron los presupuestos de los proveedores."}
    elif route == "POST position":
        values["agreement"] = rng.choice(person["agreements"])
        body = {"organization": person["organization"], "position": rng.choice(POSITIONS), "comment": ""}
    elif route == "POST RSVP":
        forum = people.get("forums", {}).get(str(plan))
        if forum is None:  # a people file written before the plan had its forum
            return None
        values["forum"] = forum
        body = {"answer": rng.choice(RSVP_ANSWERS)}  # no stakeholder: a stakeholder replies for themselves
    path = template.format(**values)
    if path.startswith("/api/"):
        headers = {"Authorization": f"Token {person['token']}", "Accept": "application/json"}
    else:
        headers = {"Cookie": f"{people['session_cookie']}={person['session']}", "Accept": "text/html"}
    return Request(method, path, headers, body)


# --- shapes and databases ------------------------------------------------------------------------
def shape(scale: int, events_fraction: float = 1.0, projects: int = PROJECTS_EACH,
          milestones: int = MILESTONES_EACH, events_each: int = EVENTS_EACH) -> dict[str, int]:
    """The 50 active clusters keep `events_each` events at every scale; the others get the fraction."""
    return {"clusters": ACTIVE_CLUSTERS * scale, "projects": projects, "milestones": milestones,
            "events_each": events_each,
            "events_each_other": int(events_each * events_fraction) if scale > 1 else 0}


def db_url(scale: int) -> str:
    return BASE_DB_URL if scale == 1 else f"{BASE_DB_URL}_x{scale}"


def env_for(scale: int, smtp_port: int, site_port: int) -> dict[str, str]:
    return {
        "PMC_ENV": "production", "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false", "DATABASE_URL": db_url(scale),
        "REDIS_URL": REDIS, "CELERY_BROKER_URL": REDIS, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SITE_URL": f"http://127.0.0.1:{site_port}",
        "THROTTLE_USER": "1000000/minute",  # throttling still runs; 1,020 people share one client address
        "LOG_LEVEL": "WARNING",
    }


SECRET = secrets.token_urlsafe(48)


def ensure_database(url: str, *, fresh: bool) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # our own constant/env, not user input
        if fresh or not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def built_shape() -> dict[str, int] | None:
    from django.db import connection

    from plans.models import Cluster

    if "plans_cluster" not in connection.introspection.table_names():
        return None

    row = Cluster.objects.filter(slug="load-meta").values_list("sector", flat=True).first()
    return {"events_each_other": 0, **json.loads(row)} if row else None


# --- the programme ---------------------------------------------------------------------------------
def build(wanted: dict[str, int], progress: bool = True) -> None:
    """The plans (bench/scale.py), then the people, the agreements and the earlier history."""
    from django.core.management import call_command
    from tqdm import tqdm

    from bench.scale import ScaleBuilder
    from plans.models import Cluster

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    builder = ScaleBuilder(plans=wanted["clusters"], clusters=wanted["clusters"], projects=wanted["projects"],
                           milestones=wanted["milestones"])
    bar = tqdm(total=builder.total_rows, unit="rows", unit_scale=True, disable=not progress, desc="plans")
    builder.progress = bar.update
    builder.run()
    bar.close()
    clusters = list(Cluster.objects.filter(slug__startswith="scale-").order_by("id").values_list("pk", flat=True))
    add_people(clusters[:ACTIVE_CLUSTERS], stakeholders_each=STAKEHOLDERS_EACH)
    add_history(clusters[:ACTIVE_CLUSTERS], wanted["events_each"], progress=progress)
    add_history(clusters[ACTIVE_CLUSTERS:], wanted["events_each_other"], progress=progress)
    from plans.models import Source
    from plans.services.clusters import cluster_create
    from plans.services.history import Actor

    # The marker: the shape built, stored where a rebuild (a fresh database) drops it.
    cluster_create(actor=Actor.system(Source.COMMAND), name="Load bench marker", slug="load-meta",
                   sector=json.dumps(wanted), is_sample=True)
    print(f"built {wanted} in {time.perf_counter() - started:.0f} s", flush=True)


def add_people(cluster_ids: list[int], *, stakeholders_each: int, coordinators: int = COORDINATORS) -> None:
    """Coordinators (each of every `coordinators`-th cluster), stakeholders with user accounts in
    organizations, milestones answered for, open agreements, notification profiles."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import F

    from notifications.services.recipients import ensure_profiles
    from plans.models import Agreement, Organization, Plan, Role, RoleAssignment, Source, Stakeholder
    from plans.services.agreements import agreement_create
    from plans.services.history import Actor, declare_application_write
    from projects.models import Milestone

    user_model = get_user_model()
    unusable = make_password(None)  # people open pages with sessions and call the API with tokens
    actor = Actor.system(Source.COMMAND)
    with transaction.atomic():
        declare_application_write("bench: the programme's people")
        coords = user_model.objects.bulk_create(
            user_model(username=f"load-coordinator-{n:02d}", email=f"coord{n}@example.org", password=unusable)
            for n in range(coordinators)
        )
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=coords[n % coordinators], cluster_id=cid, role=Role.COORDINATOR)
            for n, cid in enumerate(cluster_ids)
        )
        for cid in cluster_ids:
            orgs = Organization.objects.bulk_create(
                Organization(cluster_id=cid, name=f"Organization {cid}-{k}", kind="other")
                for k in range(ORGANIZATIONS_EACH)
            )
            users = user_model.objects.bulk_create(
                user_model(username=f"load-s-{cid}-{k}", email=f"s{cid}-{k}@example.org", password=unusable)
                for k in range(stakeholders_each)
            )
            RoleAssignment.objects.bulk_create(
                RoleAssignment(user=u, cluster_id=cid, role=Role.STAKEHOLDER) for u in users
            )
            people = Stakeholder.objects.bulk_create(
                Stakeholder(cluster_id=cid, name=f"Person {cid}-{k}", email=u.email, user=u,
                            organization=orgs[k % len(orgs)], language="es" if k % 4 else "en")
                for k, u in enumerate(users)
            )
            plan_id = Plan.objects.filter(cluster_id=cid).values_list("pk", flat=True).get()
            milestones = Milestone.objects.filter(plan_id=plan_id).annotate(turn=F("id") % len(people))
            for k, person in enumerate(people):  # every milestone has a responsible person, round-robin
                milestones.filter(turn=k).update(responsible=person)
    for cid in cluster_ids:
        plan_id = Plan.objects.filter(cluster_id=cid).values_list("pk", flat=True).get()
        for n in range(AGREEMENTS_EACH):
            agreement_create(plan_id=plan_id, actor=actor, title=f"Agreement {n + 1}", subject=Agreement.Subject.OTHER)
        ensure_profiles(cluster_id=cid)  # the default subscriptions now, not on the first email


def add_history(cluster_ids: list[int], per_cluster: int, *, progress: bool = True) -> None:
    """`per_cluster` earlier events on each cluster's milestones, appended to its chain with the
    hashes `record_event` would compute, loaded with COPY; the chain head then steps through
    them one by one, as its guard demands."""
    from django.db import connection, transaction
    from tqdm import tqdm

    from plans.models import HistoryChainHead, Plan
    from plans.services.history import canonical_json, content_hash, declare_application_write, history_value

    if per_cluster <= 0:
        return
    columns = ("chain_id", "chain_seq", "occurred_at", "actor_id", "actor_label", "source", "action",
               "object_type", "object_id", "object_repr", "plan_id", "changes", "reason", "context", "outside_app",
               "prev_hash", "hash")
    bar = tqdm(total=per_cluster * len(cluster_ids), unit="events", unit_scale=True, disable=not progress,
               desc="history")
    rng = random.Random(13)
    for cid in cluster_ids:
        plan_id = Plan.objects.filter(cluster_id=cid).values_list("pk", flat=True).get()
        with transaction.atomic(), connection.cursor() as cursor:
            declare_application_write("bench: earlier history")
            head = HistoryChainHead.objects.select_for_update().get(chain_id=cid)
            cursor.execute("SELECT min(id), max(id), count(*) FROM projects_milestone WHERE plan_id = %s", [plan_id])
            low, high, _count = cursor.fetchone()
            cursor.execute("SELECT max(occurred_at) FROM plans_historyevent WHERE chain_id = %s", [cid])
            last_at = cursor.fetchone()[0]
            seq, prev = head.last_seq, head.last_hash
            with cursor.copy(f"COPY plans_historyevent ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for n in range(per_cluster):
                    seq += 1
                    at = last_at + dt.timedelta(microseconds=n + 1)
                    mid = rng.randint(low, high)
                    changes = {"description": [f"Entregable {n}", f"Entregable {n + 1}"]}
                    content = {
                        "chain_id": cid, "chain_seq": seq, "occurred_at": history_value(at), "actor_id": None,
                        "actor_label": "bench", "source": "command", "action": "update",
                        "object_type": "projects.milestone", "object_id": mid, "object_repr": f"Milestone {mid}",
                        "plan_id": plan_id, "changes": changes, "reason": "", "context": {}, "outside_app": False,
                        "prev_hash": prev,
                    }
                    digest = content_hash(content)
                    copy.write_row((cid, seq, at, None, "bench", "command", "update", "projects.milestone", mid,
                                    content["object_repr"], plan_id, canonical_json(changes), "", "{}", False, prev,
                                    digest))
                    prev = digest
            first_seq = head.last_seq + 1
        # The head's guard lets it move one appended event at a time: so it does, server-side,
        # committing every 200 steps (one long transaction would make each step walk all the
        # row versions before it).
        with connection.cursor() as cursor:
            cursor.execute(
                "DO $$ DECLARE s bigint; BEGIN FOR s IN %s..%s LOOP UPDATE plans_historychainhead h SET last_seq = s, "
                "last_hash = e.hash FROM plans_historyevent e WHERE h.chain_id = %s AND e.chain_id = %s "
                "AND e.chain_seq = s; IF s %% 200 = 0 THEN COMMIT; END IF; END LOOP; END $$",
                [first_seq, seq, cid, cid],
            )
        bar.update(per_cluster)
    bar.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL plans_historychainhead")  # one row per cluster, and every step's dead version
        cursor.execute("ANALYZE")


def ensure_forums(*, days_ahead: int = 60) -> int:
    """One upcoming scheduled forum in every bench plan, for the stakeholders' RSVPs; the number
    scheduled now. Outside `build` and the shape: a database built before the RSVPs were in the
    mix gets its forums here, without a rebuild; a plan that has one already gets none."""
    from django.utils import timezone

    from plans.models import Forum, Phase, Plan, Source
    from plans.services.forums import forum_schedule
    from plans.services.history import Actor

    now = timezone.now()
    plans = Plan.objects.filter(cluster__slug__startswith="scale-")
    served = set(Forum.objects.filter(plan__in=plans, status=Forum.Status.SCHEDULED, starts_at__gt=now)
                 .values_list("plan_id", flat=True))
    # The latest phase still open (monitoring, in these plans in execution): a forum needs an unfinished one.
    phase_of: dict[int, int] = {}
    for plan_id, phase_id in (Phase.objects.filter(plan__in=plans).exclude(plan_id__in=served)
                              .exclude(status__in=(Phase.Status.COMPLETED, Phase.Status.SKIPPED))
                              .order_by("plan_id", "order").values_list("plan_id", "pk")):
        phase_of[plan_id] = phase_id
    actor = Actor.system(Source.COMMAND)
    starts = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=days_ahead)
    for plan_id in sorted(phase_of):
        forum_schedule(phase_id=phase_of[plan_id], actor=actor, title="Foro de seguimiento", starts_at=starts,
                       ends_at=starts + dt.timedelta(hours=2), venue="Casa de la cultura")
    return len(phase_of)


def people_file(path: Path, open_per_plan: int = 400) -> dict[str, Any]:
    """Fresh tokens and sessions for the 1,020 people, and what each may act on, as JSON for locust."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from knox.models import AuthToken

    from plans.models import Agreement, Forum, Plan, Role, RoleAssignment, Stakeholder
    from projects.models import Milestone

    users = list(get_user_model().objects.filter(username__startswith="load-").order_by("id"))
    AuthToken.objects.filter(user__in=users).delete()
    Session.objects.all().delete()
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    plans_of_cluster = dict(Plan.objects.filter(cluster__slug__startswith="scale-").values_list("cluster_id", "pk"))
    rng = random.Random()

    def credentials(user: Any) -> dict[str, str]:
        _, token = AuthToken.objects.create(user=user)
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return {"token": token, "session": str(store.session_key)}

    roles = RoleAssignment.objects.filter(user__in=users).values_list("user_id", "cluster_id", "role")
    clusters_of: dict[int, list[int]] = {}
    for user_id, cluster_id, role in roles:
        if role == Role.COORDINATOR:
            clusters_of.setdefault(user_id, []).append(cluster_id)
    active_plans = sorted({plans_of_cluster[c] for cs in clusters_of.values() for c in cs})
    own: dict[int, list[int]] = {}
    for mid, user_id in Milestone.objects.filter(plan_id__in=active_plans).exclude(status="cancelled").values_list(
            "pk", "responsible__user_id"):
        own.setdefault(user_id, []).append(mid)
    agreements: dict[int, list[int]] = {}
    for aid, plan_id in Agreement.objects.filter(plan_id__in=active_plans, status="open").values_list("pk", "plan_id"):
        agreements.setdefault(plan_id, []).append(aid)
    forums: dict[str, int] = {}  # each plan's next scheduled forum
    for forum_id, plan_id in Forum.objects.filter(
            plan_id__in=active_plans, status=Forum.Status.SCHEDULED, starts_at__gt=timezone.now()).order_by(
            "-starts_at").values_list("pk", "plan_id"):
        forums[str(plan_id)] = forum_id
    coordinators, stakeholders = [], []
    for user in users:
        if user.pk in clusters_of:
            coordinators.append({**credentials(user), "plans": [plans_of_cluster[c] for c in clusters_of[user.pk]]})
    by_id = {u.pk: u for u in users}
    for user_id, cluster_id, organization_id in Stakeholder.objects.filter(user__in=users).values_list(
            "user_id", "cluster_id", "organization_id"):
        plan_id = plans_of_cluster[cluster_id]
        stakeholders.append({**credentials(by_id[user_id]), "plans": [plan_id], "organization": organization_id,
                             "agreements": agreements[plan_id], "own_milestones": own.get(user_id, [])[:20]})
    milestones: dict[str, list[int]] = {}
    open_milestones: dict[str, list[int]] = {}
    for plan_id in active_plans:
        ids = list(Milestone.objects.filter(plan_id=plan_id).values_list("pk", "status"))
        milestones[str(plan_id)] = rng.sample([i for i, _ in ids], min(200, len(ids)))
        still_open = [i for i, status in ids if status in Milestone.OPEN_STATUSES]
        open_milestones[str(plan_id)] = rng.sample(still_open, min(open_per_plan, len(still_open)))
    data = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "completed_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "coordinators": coordinators, "stakeholders": stakeholders,
        "milestones": milestones, "open_milestones": open_milestones, "forums": forums,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return data


# --- the real parts: SMTP server, Celery worker, gunicorn ---------------------------------------
class CountingHandler:
    """aiosmtpd handler that counts the messages it accepts (and keeps nothing)."""

    def __init__(self) -> None:
        self.received = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received += 1
        return "250 OK"


def start_process(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_http(port: int, path: str = "/", timeout: float = 90) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def bin_path(name: str) -> str:
    return str(Path(sys.executable).parent / name)


# --- one step of load and its drain -----------------------------------------------------------------
def run_step(users: int, seconds: int, port: int, people: Path, prefix: Path) -> dict[str, Any]:
    cmd = [bin_path("locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(users),
           "-r", str(max(users // 2, 1)), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
           "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
           "--exit-code-on-error", "0"]
    env = {**os.environ, "BENCH_LOAD_PEOPLE": str(people), "PYTHONPATH": str(ROOT)}
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    rows = {r["Name"]: r for r in csv.DictReader(prefix.with_name(prefix.name + "_stats.csv").open())}
    failures = list(csv.DictReader(prefix.with_name(prefix.name + "_failures.csv").open()))
    agg = rows.pop("Aggregated")

    def num(row: dict[str, str], key: str) -> float:
        value = row.get(key, "") or "0"
        return float(value) if value != "N/A" else 0.0

    return {
        "users": users, "seconds": seconds, "requests": int(num(agg, "Request Count")),
        "errors": int(num(agg, "Failure Count")), "rps": num(agg, "Requests/s"),
        "p50": num(agg, "50%"), "p95": num(agg, "95%"), "p99": num(agg, "99%"),
        "routes": {name: {"requests": int(num(r, "Request Count")), "errors": int(num(r, "Failure Count")),
                          "p50": num(r, "50%"), "p95": num(r, "95%")} for name, r in rows.items()},
        "failures": [f"{f['Method']} {f['Name']}: {f['Error']} x{f['Occurrences']}" for f in failures][:10],
    }


def marks() -> tuple[int, int]:
    from django.db.models import Max

    from notifications.models import Delivery
    from plans.models import HistoryEvent

    return (HistoryEvent.objects.aggregate(m=Max("id"))["m"] or 0, Delivery.objects.aggregate(m=Max("id"))["m"] or 0)


def drain(event_mark: int, delivery_mark: int, smtp: CountingHandler, smtp_mark: int, timeout: float = 900
          ) -> dict[str, Any]:
    """Wait until every notifying event after the mark is dispatched and every delivery it made
    is final and received by the SMTP server; the seconds it took from now."""
    from notifications.kinds import NOTIFYING_OBJECT_TYPES
    from notifications.models import Delivery, DispatchRecord
    from plans.models import HistoryEvent

    started = time.perf_counter()
    writes = HistoryEvent.objects.filter(pk__gt=event_mark)
    notifying = writes.filter(object_type__in=NOTIFYING_OBJECT_TYPES)
    ours = Delivery.objects.filter(pk__gt=delivery_mark)
    while True:
        undispatched = notifying.exclude(
            pk__in=DispatchRecord.objects.filter(event_id__gt=event_mark).values("event_id")).count()
        unsent = ours.exclude(status__in=Delivery.FINAL_STATUSES).count()
        sent = ours.filter(status=Delivery.Status.SENT).count()
        received = smtp.received - smtp_mark
        if undispatched == 0 and unsent == 0 and received >= sent:
            break
        if time.perf_counter() - started > timeout:
            break
        time.sleep(0.25)
    occurred = dict(writes.values_list("pk", "occurred_at"))
    lags = sorted((sent_at - occurred[event_id]).total_seconds()
                  for sent_at, event_id in ours.filter(sent_at__isnull=False).values_list("sent_at", "event_id")
                  if sent_at is not None and event_id in occurred)
    return {"drain_s": time.perf_counter() - started, "events": writes.count(), "emails": ours.count(),
            "lag_p50": lags[len(lags) // 2] if lags else 0.0, "lag_p95": lags[int(len(lags) * 0.95)] if lags else 0.0,
            "sent": sent, "received": received, "not_final": unsent, "undispatched": undispatched,
            "failed": ours.filter(status=Delivery.Status.FAILED).count()}


# --- the hot queries: which indexes carry them -------------------------------------------------------
def hot_queries(people: dict[str, Any], big: int = 10_000) -> list[dict[str, Any]]:
    """Each GET route once in this process as a coordinator: its statements, their time, and the
    indexes PostgreSQL's plans for them use (EXPLAIN, no ANALYZE: nothing runs twice); a
    sequential scan is reported only on a table of more than `big` rows."""
    import re

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s", [big])
        big_tables = {row[0] for row in cursor.fetchall()}
    coordinator = people["coordinators"][0]
    person = {**coordinator, "plans": coordinator["plans"][:1]}
    rng = random.Random(1)
    out = []
    for route, (method, _template, who) in ROUTES.items():
        if method != "GET" or who == "stakeholder":
            continue
        req = request_for(route, person, people, rng)
        assert req is not None
        client = Client(headers={k.lower(): v for k, v in req.headers.items()})
        client.get(req.path, secure=True)  # warm
        with CaptureQueriesContext(connection) as ctx:
            client.get(req.path, secure=True)
        indexes: set[str] = set()
        seq: set[str] = set()
        with connection.cursor() as cursor:
            for query in ctx.captured_queries:
                if not query["sql"].lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN " + query["sql"])
                plan = "\n".join(r[0] for r in cursor.fetchall())
                indexes |= set(re.findall(r"(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? "
                                          r"(?:using|on) (\w+)", plan))
                seq |= set(re.findall(r"Seq Scan on (\w+)", plan)) & big_tables
        out.append({"route": route, "queries": len(ctx.captured_queries),
                    "db_ms": sum(float(q["time"]) for q in ctx.captured_queries) * 1000,
                    "indexes": sorted(indexes), "seq_scans": sorted(seq)})
    return out


# --- report ----------------------------------------------------------------------------------------
def machine_lines() -> list[str]:
    from bench import api

    return api.machine()


def realistic_step(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The step closest to 1,020 people making one request a minute each."""
    return min(steps, key=lambda st: abs(st["rps"] - 1020 / 60))


def best(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    ok = [s for s in steps if s["p95"] < P95_TARGET_MS and s["errors"] == 0]
    return max(ok, key=lambda s: s["rps"]) if ok else None


def section(results: dict[int, dict[str, Any]]) -> str:
    one = results.get(1)
    lines = ["## Load", ""]
    if one is None:
        return "\n".join([*lines, "Run `make bench-load` (1x) first.", ""])
    s = one["shape"]
    lines += [
        f"`make bench-load` ({one['stamp']}): one programme of {s['clusters']} clusters (one plan each, "
        f"{s['projects']} projects x {s['milestones']} milestones: {one['counts']['milestones']:,} milestones; "
        f"{one['counts']['events']:,} history events), {COORDINATORS} coordinators (2-3 clusters each) and "
        f"{one['counts']['stakeholders']:,} stakeholders ({STAKEHOLDERS_EACH} per cluster, each a user in one of "
        f"{ORGANIZATIONS_EACH} organizations, responsible for milestones), all active: every request's person is "
        "drawn from the 1,020 (pages with their session, the API with their knox token). Production settings, "
        f"gunicorn with {one['workers']} sync workers on loopback, PostgreSQL, Redis (cache and broker), one "
        f"Celery worker ({one['celery']} processes) and an SMTP server (aiosmtpd) on loopback. locust "
        f"{one['locust']} headless (bench/locustfile.py) on the same machine: N virtual users, each one request "
        "per second on average, at exponentially distributed intervals (independent people: Poisson arrivals), "
        "4 stakeholder users for each coordinator user, in steps "
        f"of {one['step_seconds']} s after a {one['warmup']} s warm-up. The mix (share of requests, from the "
        "steps' counts): " + mix_text(one["steps"]) + ".",
        "",
        "| virtual users | requests | req/s | p50 ms | p95 ms | p99 ms | errors | writes (events) | emails caused "
        "(received) | email p50 / p95 s after its write | outbox drain after the step s | 1-min load avg before |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for st in one["steps"]:
        d = st["drain"]
        lines.append(
            f"| {st['users']} | {st['requests']:,} | {st['rps']:.1f} | {st['p50']:.0f} | {st['p95']:.0f} | "
            f"{st['p99']:.0f} | {st['errors']} | {d['events']:,} | {d['emails']:,} ({d['received']:,}) | "
            f"{d.get('lag_p50', 0):.1f} / {d.get('lag_p95', 0):.1f} | {d['drain_s']:.1f} | {st['load_before']:.1f} |"
        )
    top = best(one["steps"])
    realistic = realistic_step(one["steps"])
    lines += [""]
    if top:
        lines.append(
            f"**Requests/s at p95 < {P95_TARGET_MS} ms: {top['rps']:.1f}** ({top['users']} virtual users, p95 "
            f"{top['p95']:.0f} ms, {top['errors']} errors). At one request a minute per person that is about "
            f"{top['rps'] * 60:,.0f} people at once."
        )
    else:
        lines.append(f"**No step kept p95 under {P95_TARGET_MS} ms on this run**, not even the lightest "
                     f"({one['steps'][0]['rps']:.1f} req/s, p95 {one['steps'][0]['p95']:.0f} ms).")
    errors = sum(st["errors"] for st in one["steps"])
    emails = sum(st["drain"]["emails"] for st in one["steps"])
    received = sum(st["drain"]["received"] for st in one["steps"])
    lines.append(
        f"At a fixed realistic rate — the 1,020 people each making one request a minute, about "
        f"{1020 / 60:.0f} req/s: the {realistic['users']}-user step — **{realistic['rps']:.1f} req/s, p95 "
        f"{realistic['p95']:.0f} ms, p50 {realistic['p50']:.0f} ms, {realistic['errors']} errors**. Errors over all "
        f"steps: **{errors}**. Emails caused over all steps: {emails:,}, {received:,} received by the SMTP server; "
        "the longest outbox drain after a step's end: "
        f"{max(st['drain']['drain_s'] for st in one['steps']):.1f} s."
    )
    routes_top = realistic
    lines += ["", f"Per route at {routes_top['users']} virtual users:", "",
              "| route | requests | p50 ms | p95 ms | errors |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in sorted(routes_top["routes"].items(), key=lambda kv: -kv[1]["requests"]):
        lines.append(f"| {name} | {r['requests']:,} | {r['p50']:.0f} | {r['p95']:.0f} | {r['errors']} |")
    lines += [
        "",
        "Emails: each milestone completion is announced to the cluster's subscribed stakeholders (the default "
        "subscription) and each progress note to those who asked for them; the drain is the time from the end "
        "of a step until every notifying event of the step is dispatched, every delivery it caused is sent and "
        "the SMTP server has received them all (most are sent during the step itself). No beat runs, so no "
        "reminder or digest is mixed in. " + rsvp_text(one["steps"]),
        "",
        f"Note: 2 cores, 1-minute load average {one['load_start']:.1f} at the start of the run and "
        f"{one['load_end']:.1f} at the end (the bench's own processes included); locust, gunicorn, PostgreSQL, "
        "Redis, the Celery worker and the SMTP server all share those two cores, so these figures are a floor "
        "for a machine that serves only the app, and p95 moves by tens of percent between runs of a step.",
        "",
    ]
    ten = next((r for k, r in sorted(results.items()) if k != 1), None)
    if ten:
        lines += growth_lines(one, ten)
    lines += ["Hot queries (each GET route once as a coordinator, in process, at 1x"
              + (f" and at {ten['scale']}x" if ten else "") + "): its statements, their time, the indexes their "
              "plans use (EXPLAIN), and any sequential scan of a table over 10,000 rows.", "",
              "| route | queries | database ms (1x) | indexes used (1x) |"
              + (" database ms (10x) | indexes used (10x) |" if ten else ""),
              "| --- | ---: | ---: | --- |" + (" ---: | --- |" if ten else "")]
    tens = {q["route"]: q for q in (ten or {}).get("hot", [])}
    for q in one["hot"]:
        row = f"| {q['route']} | {q['queries']} | {q['db_ms']:.1f} | {scans(q)} |"
        if ten and q["route"] in tens:
            row += f" {tens[q['route']]['db_ms']:.1f} | {scans(tens[q['route']])} |"
        lines.append(row)
    lines += ["", "Machine:", "", "```", *one["machine"], "```", ""]
    return "\n".join(lines)


def rsvp_text(steps: list[dict[str, Any]]) -> str:
    if not any("POST RSVP" in st["routes"] for st in steps):  # results recorded before RSVPs were in the mix
        return "Forum RSVPs: not in this run's mix."
    return ("Forum RSVPs (`POST /api/v1/forums/{id}/rsvp/`): each stakeholder replies yes, no or maybe (drawn at "
            "random) to the one upcoming forum of their plan; a reply writes a history event only when the answer "
            "changes and sends no email.")


def scans(query: dict[str, Any]) -> str:
    text = ", ".join(f"`{name}`" for name in query["indexes"]) or "-"
    return text + (f" (sequential scan: {', '.join(query['seq_scans'])})" if query["seq_scans"] else "")


def mix_text(steps: list[dict[str, Any]]) -> str:
    totals: dict[str, int] = {}
    for st in steps:
        for name, r in st["routes"].items():
            totals[name] = totals.get(name, 0) + r["requests"]
    whole = sum(totals.values()) or 1
    return ", ".join(f"{name} {100 * n / whole:.0f} %" for name, n in sorted(totals.items(), key=lambda kv: -kv[1]))


def growth_lines(one: dict[str, Any], ten: dict[str, Any]) -> list[str]:
    s = ten["shape"]
    lines = [
        "### Growth", "",
        f"The same people, mix and steps at {ten['scale']}x the data ({ten['stamp']}): {s['clusters']} clusters, "
        f"{ten['counts']['milestones']:,} milestones, {ten['counts']['events']:,} history events"
        + (f": {s['events_each']:,} in each of the first {ACTIVE_CLUSTERS} clusters as at 1x, "
           f"{s['events_each_other']:,} in each of the others ({ten['events_fraction'] * 100:.0f} % of 10x's "
           "history, for the time the build takes here)" if ten["events_fraction"] < 1 else "")
        + f"; the 1,020 people stay in the first {ACTIVE_CLUSTERS} clusters. Target: p95 within 1.5x of 1x.", "",
        "| virtual users | p95 ms 1x | p95 ms 10x | ratio | req/s 1x | req/s 10x | errors 10x | drain s 10x |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    by_users = {st["users"]: st for st in one["steps"]}
    for st in ten["steps"]:
        base = by_users.get(st["users"])
        if base is None:
            continue
        ratio = st["p95"] / base["p95"] if base["p95"] else 0
        lines.append(f"| {st['users']} | {base['p95']:.0f} | {st['p95']:.0f} | {ratio:.2f}x | {base['rps']:.1f} | "
                     f"{st['rps']:.1f} | {st['errors']} | {st['drain']['drain_s']:.1f} |")
    lines += ["", f"1-minute load average at the start of the 10x run: {ten['load_start']:.1f}."]
    ones = {q["route"]: q for q in one["hot"]}
    grown = [(q["route"], ones[q["route"]]["db_ms"], q["db_ms"]) for q in ten["hot"]
             if q["route"] in ones and q["db_ms"] > max(3 * ones[q["route"]]["db_ms"], 20)]
    if grown:
        listed = "; ".join(f"{route} {a:.0f} -> {b:.0f} ms" for route, a, b in grown)
        lines.append(f"Database time that grew with the data (per request, in process, table below): {listed}.")
    else:
        lines.append("No route's database time grew more than 3x with the data (table below).")
    lines.append("")
    return lines


def result_path(scale: int) -> Path:
    return VAR / f"result_x{scale}.json"


def counts() -> dict[str, int]:

    from plans.models import Cluster, HistoryEvent, Stakeholder
    from projects.models import Milestone

    return {"milestones": Milestone.objects.count(), "events": HistoryEvent.objects.count(),
            "stakeholders": Stakeholder.objects.count(), "clusters": Cluster.objects.count()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--steps", default="2,4,6,10,20", help="virtual users per step")
    parser.add_argument("--step-seconds", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (2-4 on 2 cores)")
    parser.add_argument("--celery", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--scale", type=int, default=1, help="1 (one programme) or 10 (growth)")
    parser.add_argument("--events-fraction", type=float, default=1.0,
                        help="share of --events-each in the clusters beyond the first 50 (disk and time)")
    parser.add_argument("--projects", type=int, default=PROJECTS_EACH, help="projects per plan")
    parser.add_argument("--milestones", type=int, default=MILESTONES_EACH, help="milestones per project")
    parser.add_argument("--events-each", type=int, default=EVENTS_EACH, help="earlier events per active cluster")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="rewrite the section from the last results")
    args = parser.parse_args()
    if args.report_only:
        report(write=not args.no_write)
        return

    from aiosmtpd.controller import Controller

    from bench import api

    load_start = os.getloadavg()[0]
    smtp = CountingHandler()
    smtp_port, port = api.free_port(), api.free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=smtp_port)  # type: ignore[arg-type]
    controller.start()
    env = env_for(args.scale, smtp_port, port)
    wanted = shape(args.scale, args.events_fraction, args.projects, args.milestones, args.events_each)
    url = db_url(args.scale)
    ensure_database(url, fresh=False)
    setup_django(env)
    if args.rebuild or built_shape() != wanted:
        from django.db import connections

        connections.close_all()
        ensure_database(url, fresh=True)
        build(wanted)
    # Before the Redis flush below: the invitations' dispatch tasks go with it, as the build's do.
    started = time.perf_counter()
    if scheduled := ensure_forums():
        print(f"scheduled {scheduled} forums in {time.perf_counter() - started:.0f} s", flush=True)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # production storage reads the manifest
    import redis

    redis.Redis.from_url(REDIS).flushdb()  # our own DB: broker and cache start empty
    people_path = VAR / f"people_x{args.scale}.json"
    people = people_file(people_path)
    hot = hot_queries(people)
    logs = VAR / "logs"
    worker = start_process(
        [bin_path("celery"), "-A", "config", "worker", "--pool=prefork", f"--concurrency={args.celery}",
         "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"], env,
        logs / "celery.log")
    web = start_process(
        [bin_path("gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers",
         str(args.workers), "--log-level", "warning"], env, logs / "gunicorn.log")
    steps: list[dict[str, Any]] = []
    locust_version = metadata.version("locust")  # not imported here: locust patches the process with gevent
    try:
        wait_http(port)
        if args.warmup:
            run_step(5, args.warmup, port, people_path, VAR / "warmup")
            drain(*marks(), smtp, smtp.received)
        for users in [int(n) for n in args.steps.split(",")]:
            people_file(people_path)  # fresh pools of open milestones; old tokens and sessions go
            event_mark, delivery_mark = marks()
            smtp_mark = smtp.received
            load_before = os.getloadavg()[0]
            step = run_step(users, args.step_seconds, port, people_path, VAR / f"x{args.scale}_u{users}")
            step["drain"] = drain(event_mark, delivery_mark, smtp, smtp_mark)
            step["load_before"] = load_before
            print(f"{users} users: {step['rps']:.1f} req/s, p50 {step['p50']:.0f} ms, p95 {step['p95']:.0f} ms, "
                  f"p99 {step['p99']:.0f} ms, {step['errors']} errors; {step['drain']['emails']} emails, drained "
                  f"{step['drain']['drain_s']:.1f} s after the step", flush=True)
            for failure in step["failures"]:
                print("  failure:", failure, flush=True)
            steps.append(step)
    finally:
        api.stop(web)
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        controller.stop()
    result = {
        "scale": args.scale, "shape": wanted, "events_fraction": args.events_fraction, "counts": counts(),
        "workers": args.workers, "celery": args.celery, "locust": locust_version, "step_seconds": args.step_seconds,
        "warmup": args.warmup, "steps": steps, "hot": hot, "load_start": load_start, "load_end": os.getloadavg()[0],
        "stamp": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine_lines(),
    }
    result_path(args.scale).write_text(json.dumps(result, indent=1), encoding="utf-8")
    report(write=not args.no_write)


def report(*, write: bool) -> None:
    """The section from the last results of each scale (var/bench_load/result_x*.json)."""
    from bench import api

    results = {k: json.loads(result_path(k).read_text()) for k in (1, 10) if result_path(k).exists()}
    text = section(results)
    print(text)
    if write:
        api.write_section(ROOT / "docs" / "benchmarks.md", text, heading="## Load")


if __name__ == "__main__":
    main()
