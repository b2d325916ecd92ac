"""The CSV export is safe to open in a spreadsheet and still verifies offline.

Formula-looking cells (= + - @ TAB CR at the start) are neutralised with a leading apostrophe
(OWASP's rule), a bare CR or LF in a value is always quoted, and the JSON Lines export and the
hashes keep the exact text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from plans.audit.export import neutralise
from plans.models import HistoryEvent, Plan, Role, Source
from plans.services.history import Actor, update_with_history

from .test_timeline import offline_verifier, read_export

pytestmark = pytest.mark.django_db

HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "'quoted"]


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("'x", "''x"), ("plain", "plain"), ("", ""), ("a=b", "a=b"),
])
def test_formula_looking_cells_get_one_apostrophe(text: str, expected: str) -> None:
    assert neutralise(text) == expected


@pytest.fixture
def hostile_history(plan: Plan, user_with_role: Callable[..., Any]) -> list[str]:
    coordinator = user_with_role("coord", Role.COORDINATOR, plan.cluster)
    actor = Actor(user=coordinator, source=Source.API)
    reasons = [*HOSTILE, "line one\rforged,row\nnext"]
    for index, text in enumerate(reasons):
        with transaction.atomic():
            update_with_history(plan, actor=actor, values={"vision": f"v{index}"}, reason=text)
    return reasons


def test_csv_cells_are_neutralised_and_bare_line_breaks_quoted(
    plan: Plan, hostile_history: list[str], auditor: Any, client_for: Callable[..., Any], tmp_path: Path,
) -> None:
    text = read_export(client_for(auditor), plan, "csv", tmp_path).read_bytes().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    # One parsed row per event: no value broke out into a row of its own.
    assert len(rows) == HistoryEvent.objects.filter(plan_id=plan.pk).count()
    reasons = [row["reason"] for row in rows]
    for original in hostile_history:
        assert neutralise(original) in reasons
    assert not any(reason.startswith(("=", "+", "-", "@", "\t", "\r")) for reason in reasons)
    # Every physical line starts a record or continues a quoted field: a lone CR never starts one.
    for line in text.split("\r\n")[1:-1]:
        assert not line.startswith(("=", "+", "@")), line


def test_jsonl_keeps_the_exact_text_and_both_exports_verify(
    plan: Plan, hostile_history: list[str], auditor: Any, client_for: Callable[..., Any], tmp_path: Path,
) -> None:
    jsonl = read_export(client_for(auditor), plan, "jsonl", tmp_path)
    reasons = [json.loads(line)["reason"] for line in jsonl.read_text(encoding="utf-8").splitlines()]
    for original in hostile_history:
        assert original in reasons
    verifier = offline_verifier()
    for fmt in ("csv", "jsonl"):
        count, problems, _ = verifier.verify(str(read_export(client_for(auditor), plan, fmt, tmp_path)))
        assert problems == [] and count == HistoryEvent.objects.filter(plan_id=plan.pk).count()
