"""Control characters in text people type: refused at the door, normalised on the way out.

A single-line field (a title, a name, a venue) ends up in places that cannot hold a line break:
an email's Subject, a calendar's SUMMARY, a CSV cell, a page's heading. A carriage return
there made every email of the event fail (BadHeaderError). So the API and the pages refuse
control characters in single-line fields, and multi-line fields (agenda, minutes, text,
comments, notes, reasons) keep their line breaks and tabs but refuse the rest (NUL, ESC...).
`one_line` is the composing side's net for values stored before this rule.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# C0, DEL and C1 controls, plus the Unicode line and paragraph separators (line breaks to
# str.splitlines and to some mail and spreadsheet software).
_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
SINGLE_LINE_REFUSED = re.compile(f"[{_CONTROL}]")
MULTI_LINE_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # keeps \t, \n and \r
_RUNS = re.compile(f"[{_CONTROL}\\s]+")

CODE = "control_characters"


@deconstructible
class SingleLineValidator:
    """No line breaks, tabs or other control characters."""

    message = _("Write this on one line: line breaks, tabs and control characters are not allowed.")
    code = CODE

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and SINGLE_LINE_REFUSED.search(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SingleLineValidator)

    def __hash__(self) -> int:
        return hash(type(self))


@deconstructible
class MultiLineValidator:
    """Line breaks and tabs are fine; other control characters (NUL, ESC, ...) are not."""

    message = _("Control characters are not allowed (line breaks and tabs are).")
    code = CODE

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and MULTI_LINE_REFUSED.search(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MultiLineValidator)

    def __hash__(self) -> int:
        return hash(type(self))


validate_single_line = SingleLineValidator()
validate_multi_line = MultiLineValidator()


def has_control_characters(value: str) -> bool:
    return bool(SINGLE_LINE_REFUSED.search(value))


def one_line(value: object) -> str:
    """The text on one line: every run of control characters and white space becomes one space."""
    return _RUNS.sub(" ", str(value)).strip()


class ControlCharacterMixin:
    """Text fields refuse control characters (the rules above): a text box is single-line (no
    line breaks, tabs or other controls), a textarea keeps line breaks and tabs. The widget says
    which, so a form cannot forget it; the API applies the same rule to its serializers."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field, forms.CharField) or any(
                isinstance(v, SingleLineValidator | MultiLineValidator) for v in field.validators
            ):
                continue
            multi_line = isinstance(field.widget, forms.Textarea)
            field.validators.append(validate_multi_line if multi_line else validate_single_line)
