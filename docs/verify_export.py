#!/usr/bin/env python3
"""Verify a PMC Tracker history export offline: python3 verify_export.py EXPORT [--anchor C:S:HASH ...]

Needs only Python 3.9+, no project code. EXPORT is a .jsonl or .csv file from
GET /api/v1/plans/{id}/history/export/ or GET /api/v1/audit/chains/{cluster id}/export/.
For every event it recomputes the SHA-256 of the canonical JSON of its content (sorted
keys, no spaces, UTF-8) and compares it with the `hash` column; where two exported events
are neighbours in their chain (positions n and n+1) it checks that the second's
`prev_hash` is the first's hash, and position 1 must start from 64 zeros. A chain export
holds every position, so every link is checked and its last hash is the chain head; a
plan's export holds the plan's events only (the cluster's other plans interleave), so the
links across the gaps are checked on the server (verify_history). An anchor
(chain:position:hash, printed or published earlier) pins an event to the value it had
then. Exit status 0 = all good.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys

CONTENT = (
    "chain_id", "chain_seq", "occurred_at", "actor_id", "actor_label", "source", "action", "object_type",
    "object_id", "object_repr", "plan_id", "changes", "reason", "context", "outside_app", "prev_hash",
)
INTS = ("chain_id", "chain_seq", "actor_id", "object_id", "plan_id", "sequence")
# The CSV export prefixes a text cell with an apostrophe when it starts with = + - @ TAB CR or an
# apostrophe (so spreadsheets do not run it as a formula); one leading apostrophe is removed here.
TEXTS = ("occurred_at", "actor_label", "source", "action", "object_type", "object_repr", "reason", "prev_hash")
GENESIS = "0" * 64


def rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        if path.endswith(".csv"):
            for raw in csv.DictReader(handle):
                row = dict(raw)
                for name in TEXTS:
                    if row[name].startswith("'"):
                        row[name] = row[name][1:]
                for name in INTS:
                    row[name] = int(row[name]) if row[name] != "" else None
                row["changes"], row["context"] = json.loads(row["changes"]), json.loads(row["context"])
                row["outside_app"] = row["outside_app"] == "true"
                yield row
        else:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def digest(row):
    content = {name: row[name] for name in CONTENT}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify(path, anchors=()):
    pinned = {}
    for anchor in anchors:
        chain, seq, value = anchor.split(":")
        pinned[(int(chain), int(seq))] = value.lower()
    last: dict = {}  # chain -> (position, hash) of the previous exported event
    chains: dict = {}  # chain -> [first position, last position, last hash, contiguous]
    problems, count = [], 0
    for row in rows(path):
        count += 1
        where = f"event #{row['sequence']} (chain {row['chain_id']}, position {row['chain_seq']})"
        if digest(row) != row["hash"]:
            problems.append(f"{where}: content does not match its hash")
        previous = last.get(row["chain_id"])
        if previous and previous[0] + 1 == row["chain_seq"] and previous[1] != row["prev_hash"]:
            problems.append(f"{where}: previous hash does not match the event before it")
        if row["chain_seq"] == 1 and row["prev_hash"] != GENESIS:
            problems.append(f"{where}: the first event of a chain must follow the genesis hash")
        span = chains.setdefault(row["chain_id"], [row["chain_seq"], 0, "", True])
        span[3] = span[3] and (previous is None or previous[0] + 1 == row["chain_seq"])
        span[1], span[2] = row["chain_seq"], row["hash"]
        expected = pinned.get((row["chain_id"], row["chain_seq"]))
        if expected and expected != row["hash"]:
            problems.append(f"{where}: differs from the anchored hash")
        last[row["chain_id"]] = (row["chain_seq"], row["hash"])
    return count, problems, chains


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    anchors = [a for i, a in enumerate(argv) if i > 0 and argv[i - 1] == "--anchor"]
    count, problems, chains = verify(argv[0], anchors)
    for chain, (first, end, head, contiguous) in sorted(chains.items()):
        whole = "the whole chain" if first == 1 and contiguous else "part of the chain"
        print(f"chain {chain}: positions {first}-{end} ({whole}); last: {chain}:{end}:{head}")
    for problem in problems:
        print("BAD:", problem)
    print(f"{count} events checked: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
