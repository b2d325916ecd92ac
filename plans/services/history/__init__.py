"""The one way a change is written: apply it, then append its history event, atomically.

Every service calls these helpers inside its own `transaction.atomic()`, so an event never
exists without its change and a change never without its event. By subject:

- actor.py        who writes and through which door (Actor)
- canonical.py    the canonical form of values and rows (history_value, snapshot, diff)
- hashing.py      what the hash covers (HASHED_FIELDS) and how it is computed
- clock.py        the time events record: now, or the past moment a command replays (recorded_at)
- chain.py        appending to a cluster's chain: head lock, position, prev_hash (record_event)
- hook.py         after commit, the consumers named in settings.HISTORY_EVENT_CONSUMERS
- writes.py       create/update/delete_with_history and validate
- transitions.py  the one status gate (transition, ensure_transition_allowed, transition_allowed)
- locking.py      row locks and version checks, and the lock order every write follows
"""

from .actor import Actor
from .canonical import canonical_json, diff, field_value, history_value, object_type_of, snapshot, tracked_fields
from .chain import declare_application_write, record_event
from .clock import recorded_at
from .hashing import GENESIS_HASH, HASHED_FIELDS, compute_hash, content_hash, event_content
from .hook import event_consumers, run_consumers
from .locking import check_version, lock
from .transitions import ensure_transition_allowed, transition, transition_allowed
from .writes import create_with_history, delete_with_history, update_with_history, validate

__all__ = [
    "GENESIS_HASH", "HASHED_FIELDS", "Actor", "canonical_json", "check_version", "compute_hash", "content_hash",
    "create_with_history", "declare_application_write", "delete_with_history", "diff", "ensure_transition_allowed",
    "event_consumers", "event_content", "field_value", "history_value", "lock", "object_type_of", "record_event",
    "recorded_at",
    "run_consumers", "snapshot", "tracked_fields", "transition", "transition_allowed", "update_with_history",
    "validate",
]
