"""`make scale-data` / `python -m bench.scale_data --plans N --projects M --milestones K`: synthetic data.

Builds large synthetic plans in the database the settings point at (DATABASE_URL, as
manage.py does): N plans, M projects per plan, K milestones per project, inserted in bulk
batches with one history event per batch (bench/scale.py). A progress bar goes to stderr
(none with -v 0) and a one-line summary to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TextIO

from tqdm import tqdm

# (option, least value): checked before anything is written.
LIMITS = (("plans", 1), ("projects", 0), ("milestones", 0), ("clusters", 1), ("batch_size", 1))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.scale_data", description=(
        "Build large synthetic plans for benchmarks: N plans, M projects per plan, K milestones per project, "
        "inserted in bulk batches with one history event per batch."
    ))
    p.add_argument("--plans", type=int, default=10, help="number of plans (default 10)")
    p.add_argument("--projects", type=int, default=100, help="projects per plan (default 100)")
    p.add_argument("--milestones", type=int, default=10, help="milestones per project (default 10)")
    p.add_argument("--clusters", type=int, default=1, help="clusters to spread the plans over (default 1)")
    p.add_argument("--batch-size", type=int, default=5000, help="rows per bulk insert (default 5000)")
    p.add_argument("-v", "--verbosity", type=int, default=1, choices=(0, 1), help="0: no progress bar")
    return p


def check(options: argparse.Namespace) -> str | None:
    """The first problem with the options, or None."""
    for name, least in LIMITS:
        value = getattr(options, name)
        if value < least:
            return f"--{name.replace('_', '-')} must be a whole number of at least {least}, not {value}."
    if options.projects == 0 and options.milestones > 0:
        return "--milestones needs --projects of at least 1."
    return None


def run(options: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> None:
    from bench.scale import ScaleBuilder

    bar = tqdm(total=0, unit="rows", unit_scale=True, disable=options.verbosity == 0, file=stderr)
    builder = ScaleBuilder(plans=options.plans, projects=options.projects, milestones=options.milestones,
                           clusters=options.clusters, batch_size=options.batch_size, progress=bar.update)
    bar.total = builder.total_rows
    started = time.monotonic()
    try:
        result = builder.run()
    finally:
        bar.close()
    seconds = time.monotonic() - started
    rows = sum(result.counts.values())
    summary = ", ".join(f"{count} {label}" for label, count in result.counts.items())
    print(f"Created {rows} rows in {seconds:.1f} s ({rows / max(seconds, 0.001):,.0f} rows/s) in "
          f"{result.clusters} cluster(s): {summary}; {result.events} history events.", file=stdout)


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    arg_parser = parser()
    options = arg_parser.parse_args(argv)
    problem = check(options)
    if problem:
        arg_parser.error(problem)  # exits with status 2 before Django (or the database) is touched
    import django
    from django.apps import apps

    if not apps.ready:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
    run(options, stdout=stdout or sys.stdout, stderr=stderr or sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
