"""What an event's hash covers and how it is computed.

HASHED_FIELDS is the one list of hashed columns: the verifier (plans/audit/verify.py) reads
rows in this order, and the offline docs/verify_export.py keeps a copy that a test compares
with it (that script must run without the project).
"""

from __future__ import annotations

import hashlib
from typing import Any

from plans.models import HistoryEvent

from .canonical import canonical_json, history_value

GENESIS_HASH = "0" * 64

# Everything but the global id and the hash itself.
HASHED_FIELDS = (
    "chain_id", "chain_seq", "occurred_at", "actor_id", "actor_label", "source", "action", "object_type",
    "object_id", "object_repr", "plan_id", "changes", "reason", "context", "outside_app", "prev_hash",
)


def event_content(event: HistoryEvent) -> dict[str, Any]:
    """The hashed content of an event, each value in its canonical form."""
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["occurred_at"] = history_value(event.occurred_at)
    return content


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a content map (as event_content() builds it)."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def compute_hash(event: HistoryEvent) -> str:
    return content_hash(event_content(event))
