"""How the forum, agreement and phase pages show a service's refusal on the form.

The person's input stays in the form; the plain-language message of the domain error goes on
top (never a constraint name) and the field messages beside their fields. A stale version says
someone else changed the row, shows the current values and takes the current version, so a
second submit applies the person's input knowingly.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.errors import Conflict, DomainError, IllegalTransition, RuleViolation, StaleVersion
from plans.web.base import domain_error_message

STALE_MESSAGE = _(
    "Someone else changed this while you were working on it. Their current values are shown; "
    "your input is kept below. Check it and submit again to apply it."
)


def refused(form: forms.Form, exc: DomainError, *, current: models.Model | None = None) -> int:
    """Put the refusal on the form; return the page's HTTP status (409 for a conflict, else 200)."""
    if isinstance(exc, StaleVersion):
        if current is not None and "version" in form.fields:
            data = dict(form.data.items())
            data["version"] = str(current.version)  # type: ignore[attr-defined]
            form.data = data
        form.add_error(None, str(STALE_MESSAGE))
        return 409
    for field, messages in exc.errors.items():
        if field in form.fields and not form.fields[field].widget.is_hidden:
            for message in messages:
                form.add_error(field, str(message))
    form.add_error(None, domain_error_message(exc))
    return 409 if isinstance(exc, RuleViolation | IllegalTransition | Conflict) else 200


def reload(model: type[models.Model], pk: int) -> Any:
    """The row as it is now (after a refusal), to show its current values."""
    return model._default_manager.get(pk=pk)
