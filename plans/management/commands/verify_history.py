"""`manage.py verify_history`: seal the changes the capture triggers caught, recompute the hash
chains; exit status 1 names the first bad event (or a guard or capture trigger missing,
disabled or altered). Each chain's line says how many of its events were made outside the
application (sealed database writes) and which is the latest.

    verify_history                       # every chain
    verify_history --chain 3 --chain 0   # some chains (chain = cluster id, 0 = programme-wide)
    verify_history --anchor 3:120:ab12…  # also check heads published earlier (see docs/audit.md)
    verify_history --heads               # print the current heads, to publish as anchors
    verify_history --json                # the same report as GET /api/v1/audit/verify/
    verify_history --no-seal             # verify only; captured changes are counted, not sealed
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from plans.audit.verify import Anchor, audit, chain_heads


class Command(BaseCommand):
    help = "Recompute the history hash chains and report the first event that does not hold."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chain", type=int, action="append", dest="chains", help="chain id (repeatable)")
        parser.add_argument("--anchor", action="append", default=[], help="chain:position:hash (repeatable)")
        parser.add_argument("--anchors-file", help="a file of anchors, one chain:position:hash per line")
        parser.add_argument("--heads", action="store_true", help="print the current chain heads and exit")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--no-seal", action="store_true", help="do not seal captured changes first")

    def handle(self, *args: Any, **options: Any) -> None:
        chains = options["chains"]
        if options["heads"]:
            self.stdout.write(f"# PMC Tracker history heads at {timezone.now().isoformat()}")
            for head in chain_heads(chains):
                self.stdout.write(f"{head.chain_id}:{head.chain_seq}:{head.hash}")
            return
        lines = list(options["anchor"])
        if options["anchors_file"]:
            with open(options["anchors_file"], encoding="utf-8") as handle:
                lines += [ln for ln in handle.read().splitlines() if ln.strip() and not ln.startswith("#")]
        try:
            anchors = [Anchor.parse(line) for line in lines]
        except ValueError as exc:
            raise CommandError(f"An anchor is chain:position:hash ({exc})") from exc

        report = audit(chains, anchors=anchors, seal_batches=0 if options["no_seal"] else None)
        # Without its guard triggers the history can be edited in place, and without its capture
        # triggers a raw write leaves no trace: as bad as tampering.
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for problem in report.guard_problems:
                self.stdout.write(self.style.ERROR(
                    f"GUARD MISSING: {problem}; the history is not protected against edits "
                    "or changes made outside the application. Run `manage.py migrate` to re-install it."
                ))
            for chain in report.chains:
                outside = ""
                if chain.outside_app_events:
                    outside = (f", {chain.outside_app_events} made outside the application"
                               f" (latest: event #{chain.last_outside_app_sequence})")
                if chain.ok:
                    self.stdout.write(f"chain {chain.chain_id}: ok, {chain.events_checked} events{outside}")
                else:
                    self.stdout.write(
                        f"chain {chain.chain_id}: BROKEN ({chain.problem}) at position {chain.first_bad_position}"
                        f" (event #{chain.first_bad_sequence}): {chain.detail}{outside}"
                    )
            if report.pending_outside_writes:
                self.stdout.write(f"{report.pending_outside_writes} captured change(s) not sealed yet")
            summary = f"{report.events_checked} events checked in {len(report.chains)} chains"
            if report.ok:
                self.stdout.write(self.style.SUCCESS(f"OK: {summary}"))
            elif any(not c.ok for c in report.chains):
                self.stdout.write(self.style.ERROR(
                    f"TAMPERED: {summary}; first bad event: #{report.first_bad_sequence}"
                ))
            else:
                self.stdout.write(self.style.ERROR(f"UNPROTECTED: {summary}; see the guard problems above"))
        if not report.ok:
            raise SystemExit(1)
