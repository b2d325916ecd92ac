"""`manage.py generate_scale_data --plans N --projects M --milestones K`: synthetic data for benchmarks."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from projects.scale import ScaleBuilder


class Command(BaseCommand):
    help = (
        "Build large synthetic plans for benchmarks: N plans, M projects per plan, K milestones per project, "
        "inserted in bulk batches with one history event per batch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plans", type=int, default=10, help="number of plans (default 10)")
        parser.add_argument("--projects", type=int, default=100, help="projects per plan (default 100)")
        parser.add_argument("--milestones", type=int, default=10, help="milestones per project (default 10)")
        parser.add_argument("--clusters", type=int, default=1, help="clusters to spread the plans over (default 1)")
        parser.add_argument("--batch-size", type=int, default=5000, help="rows per bulk insert (default 5000)")

    def handle(self, *args: Any, **options: Any) -> None:
        plans, projects, milestones = options["plans"], options["projects"], options["milestones"]
        clusters, batch_size = options["clusters"], options["batch_size"]
        for name, value, least in (("--plans", plans, 1), ("--projects", projects, 0),
                                   ("--milestones", milestones, 0), ("--clusters", clusters, 1),
                                   ("--batch-size", batch_size, 1)):
            if value < least:
                raise CommandError(f"{name} must be a whole number of at least {least}, not {value}.")
        if projects == 0 and milestones > 0:
            raise CommandError("--milestones needs --projects of at least 1.")

        bar = tqdm(total=0, unit="rows", unit_scale=True, disable=options["verbosity"] == 0, file=self.stderr)
        builder = ScaleBuilder(plans=plans, projects=projects, milestones=milestones, clusters=clusters,
                               batch_size=batch_size, progress=bar.update)
        bar.total = builder.total_rows
        started = time.monotonic()
        try:
            result = builder.run()
        finally:
            bar.close()
        seconds = time.monotonic() - started
        rows = sum(result.counts.values())
        summary = ", ".join(f"{count} {label}" for label, count in result.counts.items())
        self.stdout.write(self.style.SUCCESS(
            f"Created {rows} rows in {seconds:.1f} s ({rows / max(seconds, 0.001):,.0f} rows/s) in "
            f"{result.clusters} cluster(s): {summary}; {result.events} history events."
        ))
