"""What the admin tests share besides the world (tests/world.py: admin_world, dairy, fruit and the
admin users' browsers): history marks and the POST an unchanged admin form would send."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.messages import ERROR, get_messages
from django.urls import reverse

from plans.models import HistoryEvent


def last_event_id() -> int:
    return HistoryEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_after(event_id: int) -> list[HistoryEvent]:
    return list(HistoryEvent.objects.filter(id__gt=event_id).order_by("id"))


def _value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def form_post_data(response: Any) -> dict[str, Any]:
    """The POST an unchanged admin change form would send, built from the rendered forms."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name, field in form.fields.items():
            if isinstance(field.widget, forms.MultiWidget):  # split date and time inputs
                for i, part in enumerate(field.widget.decompress(form[name].value()) or []):
                    data[f"{form.add_prefix(name)}_{i}"] = _value(part) or ""
                continue
            value = _value(form[name].value())
            if value is not None:
                data[form.add_prefix(name)] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def change_url(obj: Any) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def error_messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == ERROR]
