"""Domain errors raised by services and mapped to HTTP in one place (plans/api/base/errors.py).

Messages are lazy translations so they render in the language of whoever reads them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every rule violation a service refuses. `code` is stable for clients."""

    code = "domain_error"
    default_message: Any = _("The operation is not allowed.")

    def __init__(self, message: Any = None, *, errors: dict[str, list[Any]] | None = None, **params: Any):
        self.message = message if message is not None else self.default_message
        self.params = params
        self.errors = errors or {}
        super().__init__(str(self))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class ValidationFailed(DomainError):
    """Bad input: a missing reason, a date out of order, a negative amount (HTTP 400)."""

    code = "validation_error"
    default_message = _("The data is not valid.")


class IllegalTransition(DomainError):
    """A status change the transitions map does not allow (HTTP 409)."""

    code = "illegal_transition"
    default_message = _("This status change is not allowed.")


class RuleViolation(DomainError):
    """A state-dependent rule refuses the change, e.g. approval without validation (HTTP 409)."""

    code = "rule_violation"
    default_message = _("The change breaks a rule of the plan.")


class StaleVersion(DomainError):
    """The caller edited an older version of the row (HTTP 412)."""

    code = "stale_version"
    default_message = _("The object changed since you read it (version %(expected)s, now %(current)s).")


class Conflict(DomainError):
    """A uniqueness or concurrency conflict (HTTP 409)."""

    code = "conflict"
    default_message = _("The change conflicts with existing data.")


class PermissionDeniedError(DomainError):
    """The actor may not do this (HTTP 403)."""

    code = "permission_denied"
    default_message = _("You do not have permission to do this.")
