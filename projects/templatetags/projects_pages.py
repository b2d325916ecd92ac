"""`{% load projects_pages %}`: `{% field_label "projects.Milestone" "due_date" %}` -> "Due date".

Page headings and fact labels reuse the models' verbose names, translated once in the models,
so a page and its forms never name the same field two ways.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django import template
from django.apps import apps
from django.utils.text import capfirst

register = template.Library()


@cache
def _field(model_label: str, name: str) -> Any:
    return apps.get_model(model_label)._meta.get_field(name)


@register.simple_tag
def field_label(model_label: str, name: str) -> str:
    return str(capfirst(_field(model_label, name).verbose_name))
