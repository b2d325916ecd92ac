"""Status labels for the pages' badges, registered by each app in its AppConfig.ready().

`plans` cannot import the other apps (imports flow notifications -> projects -> plans), so
projects and notifications register their own choices here.
"""

from __future__ import annotations

from django.db.models import TextChoices

_CHOICES: dict[str, type[TextChoices]] = {}


def register_statuses(kind: str, choices: type[TextChoices]) -> None:
    _CHOICES[kind] = choices


def status_label(value: str, kind: str = "") -> str:
    """The translated label of `value` in `kind` (or in the first kind that has it)."""
    kinds = [_CHOICES[kind]] if kind in _CHOICES else list(_CHOICES.values())
    for choices in kinds:
        for choice in choices:
            if choice.value == value:
                return str(choice.label)
    return value.replace("_", " ")
