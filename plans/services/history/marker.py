"""The mark a transaction gets when it records history, read by the database's capture triggers.

A domain row changed by a transaction that recorded no history event is a change made
outside the application: the capture triggers (plans/audit/guards.py) copy it for sealing.
The mark tells them a transaction is the application's; it must not be something a session
can set without recording an event.

PostgreSQL: `record_event` sets the transaction-local `pmc.app_write` to the id of the event
it appended, in the statement that moves the chain head. Every event row gets the top-level
transaction id (`txid`, a column default, not hashed); the deferred capture trigger honours
the mark only if an event with that id *and* the current transaction id exists. A session
that sets `pmc.app_write` itself, to any value, is captured unless it really appended an event.

SQLite has no transaction id and no deferred triggers, so each Django SQLite connection keeps
a small `CaptureSession` and exposes it to the triggers as SQL functions:

- `pmc_capture_txn()` -> NULL when the current transaction recorded history (nothing to
  capture), else a token naming the transaction ("" for a statement in autocommit, which is
  a transaction of its own and can never record history);
- `pmc_capture_user()`, `pmc_capture_program()` -> who wrote (OS user, program and pid).

The triggers capture immediately; when the transaction then records its first event,
`note_event` deletes the captures made under its token (a service writes its row before
`record_event`) and marks the session, so later derived writes are not captured either.
Rollbacks are the database's: captures and that deletion are rolled back with the
transaction or savepoint they belong to, and the session follows by watching the SQL that
goes through Django's cursors: a statement that starts outside a transaction begins a new
session state; `ROLLBACK TO` a savepoint opened before the mark removes the mark.
Another program without these functions cannot write to a captured table at all (the
trigger fails with "no such function"). See docs/audit.md for what this does and does not
protect against.
"""

from __future__ import annotations

import getpass
import os
import re
import sys
import uuid
import weakref
from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

PG_MARKER = "pmc.app_write"
SQLITE_FUNCTIONS = ("pmc_capture_txn", "pmc_capture_user", "pmc_capture_program")

# SAVEPOINT x | RELEASE [SAVEPOINT] x | ROLLBACK [TRANSACTION] TO [SAVEPOINT] x
_SAVEPOINT_SQL = re.compile(
    r"""\s*(?P<verb>SAVEPOINT|RELEASE(?:\s+SAVEPOINT)?|ROLLBACK(?:\s+TRANSACTION)?\s+TO(?:\s+SAVEPOINT)?)\s+
    (?P<q>["'`\[]?)(?P<name>[^"'`\]\s;]+)["'`\]]?\s*;?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


class CaptureSession:
    """What the capture triggers of one SQLite connection need to know about its transaction."""

    def __init__(self, wrapper: BaseDatabaseWrapper) -> None:
        self._wrapper = weakref.ref(wrapper)
        self.user = _os_user()[:150]
        self.program = f"{os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else 'python'} (pid {os.getpid()})"
        self.reset()

    def reset(self) -> None:
        self.token: str | None = None  # names the transaction's captures, made lazily
        self.captured = False  # something was captured under the token
        self.savepoints: list[str] = []  # open savepoints, outermost first
        self.marked_at: int | None = None  # savepoint depth at which history was recorded

    def _in_transaction(self) -> bool:
        wrapper = self._wrapper()
        raw = wrapper.connection if wrapper is not None else None
        return bool(raw is not None and raw.in_transaction)

    # --- the SQL functions --------------------------------------------------------------
    def capture_txn(self) -> str | None:
        if not self._in_transaction():
            return ""  # autocommit: this statement is its own transaction and records no event
        if self.marked_at is not None:
            return None
        if self.token is None:
            self.token = uuid.uuid4().hex
        self.captured = True
        return self.token

    # --- what Django's cursors execute --------------------------------------------------
    def watch(self, execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any) -> Any:
        if not self._in_transaction():
            if self.token is not None or self.marked_at is not None or self.savepoints:
                self.reset()  # the previous transaction is over: this statement starts anew
            return execute(sql, params, many, context)
        result = execute(sql, params, many, context)
        if isinstance(sql, str) and sql[:3].upper() in ("SAV", "REL", "ROL"):
            self._savepoint_statement(sql)
        return result

    def _savepoint_statement(self, sql: str) -> None:
        match = _SAVEPOINT_SQL.match(sql)
        if match is None:
            return
        verb, name = match["verb"].upper(), match["name"].lower()
        if verb == "SAVEPOINT":
            self.savepoints.append(name)
            return
        if name not in self.savepoints:
            return
        index = len(self.savepoints) - 1 - self.savepoints[::-1].index(name)
        if verb.startswith("RELEASE"):
            del self.savepoints[index:]  # its changes now belong to the enclosing level
            if self.marked_at is not None and self.marked_at > index:
                self.marked_at = index
        else:  # ROLLBACK TO: the savepoint stays open, everything since it is undone
            del self.savepoints[index + 1:]
            if self.marked_at is not None and self.marked_at > index:
                self.marked_at = None
                self.captured = self.token is not None  # captures deleted by the mark are back

    # --- the history core ---------------------------------------------------------------
    def note_event(self, wrapper: BaseDatabaseWrapper) -> None:
        if self.marked_at is not None:
            return
        if self.captured and self.token is not None:
            with wrapper.cursor() as cursor:
                cursor.execute("DELETE FROM pmc_outside_write WHERE txid = %s", [self.token])
            self.captured = False
        self.marked_at = len(self.savepoints)

    def open_token(self) -> str | None:
        """The token of the transaction in progress, whose captures are not final yet."""
        return self.token if self._in_transaction() else None


def session_of(wrapper: BaseDatabaseWrapper) -> CaptureSession | None:
    return getattr(wrapper, "_pmc_capture", None)


def on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Give every Django SQLite connection the capture functions and its session."""
    if connection.vendor != "sqlite":
        return
    previous = session_of(connection)
    if previous is not None and previous.watch in connection.execute_wrappers:
        connection.execute_wrappers.remove(previous.watch)  # a reconnect: one watcher per connection
    session = CaptureSession(connection)
    connection._pmc_capture = session  # type: ignore[attr-defined]
    raw = connection.connection
    raw.create_function("pmc_capture_txn", 0, session.capture_txn)
    raw.create_function("pmc_capture_user", 0, lambda: session.user, deterministic=True)
    raw.create_function("pmc_capture_program", 0, lambda: session.program, deterministic=True)
    # First in the list, so it sees every statement whatever other wrappers come and go.
    connection.execute_wrappers.insert(0, session.watch)


def note_event(wrapper: BaseDatabaseWrapper) -> None:
    """SQLite: the current transaction records history; its earlier captures are not outside writes."""
    session = session_of(wrapper)
    if session is not None:
        session.note_event(wrapper)


def open_capture_token(wrapper: BaseDatabaseWrapper) -> str | None:
    session = session_of(wrapper)
    return session.open_token() if session is not None else None
