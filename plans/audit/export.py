"""Streamed exports of the history, with the hashes, in constant memory.

Rows come from a server-side cursor (chunks of 2000) and are written one at a
time, oldest first. Each row is the event's hashed content (exactly what `event_content()`
covers) plus `sequence` and `hash`, so docs/verify_export.py can recompute every hash and
every link offline.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from plans.models import HistoryEvent
from plans.services.history import canonical_json

from .verify import CONTENT_COLUMNS, event_row_content, raw_rows

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
EXPORT_COLUMNS = ("sequence", *CONTENT_COLUMNS, "hash")
CHUNK_SIZE = 2000


def _rows(qs: QuerySet[HistoryEvent]) -> Iterator[dict[str, Any]]:
    # A plan's export runs in sequence order; a chain's export (already ordered) in position order.
    ordered = qs if qs.query.order_by else qs.order_by("id")
    for pk, digest, *rest in raw_rows(ordered, ("id", "hash", *CONTENT_COLUMNS), CHUNK_SIZE):
        row = event_row_content(rest)
        row["sequence"] = pk
        row["hash"] = digest
        yield row


def jsonl_lines(qs: QuerySet[HistoryEvent]) -> Iterator[str]:
    for row in _rows(qs):
        yield canonical_json(row) + "\n"


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def neutralise(text: str) -> str:
    """Prefix a formula-looking cell with an apostrophe (the OWASP rule), losslessly: a cell that
    already starts with an apostrophe gets one too, so readers strip exactly one leading
    apostrophe to get the exact text back (docs/verify_export.py does)."""
    return ESCAPE + text if text.startswith((*FORMULA_TRIGGERS, ESCAPE)) else text


def _csv_cell(name: str, value: Any) -> Any:
    if name in ("changes", "context"):
        return canonical_json(value)
    if name == "outside_app":
        return "true" if value else "false"
    if isinstance(value, str):
        return neutralise(value)
    return "" if value is None else value


def csv_lines(qs: QuerySet[HistoryEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    # RFC 4180 line ends: the writer then quotes every field holding a CR or an LF, so a lone CR
    # in a value can never start a forged row (with "\n" alone a bare CR went out unquoted).
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    # Batch a few hundred rows per chunk sent: fewer, larger writes to the socket.
    for count, row in enumerate(_rows(qs), start=1):
        writer.writerow([_csv_cell(name, row[name]) for name in EXPORT_COLUMNS])
        if count % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_lines(qs: QuerySet[HistoryEvent], fmt: str) -> Iterator[str]:
    return csv_lines(qs) if fmt == "csv" else jsonl_lines(qs)


def batched(lines: Iterator[str], size: int = 200) -> Iterator[bytes]:
    """Join small lines into larger chunks for the socket."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


__all__ = ["EXPORT_COLUMNS", "FORMATS", "batched", "export_lines", "neutralise"]
