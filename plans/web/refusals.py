"""After a stale-version refusal: the form takes the row's current version.

`run_service` (plans/web/base.py) has already put the message on the form and kept the input;
the page shows the row's current values next to it, and with the current version a second
submit applies the person's input knowingly instead of failing the same way again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models


def take_current_version(form: forms.Form, current: models.Model) -> None:
    if "version" in form.fields:
        data = dict(form.data.items())
        data["version"] = str(current.version)  # type: ignore[attr-defined]
        form.data = data


def reload(model: type[models.Model], pk: int) -> Any:
    """The row as it is now (after a refusal), to show its current values."""
    return model._default_manager.get(pk=pk)
