"""Serializer fields that respect the user's clusters, and the text fields' control-character rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers

from plans.access import scope_q
from plans.permissions import READ_ROLES
from plans.validators import MultiLineValidator, SingleLineValidator, validate_multi_line, validate_single_line


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id resolved only among rows the requesting user may see: another cluster's id is
    "does not exist" (400), so ids cannot be probed. The way to the cluster is the queryset's
    model's `cluster_path`; `roles` narrows it further, e.g. WRITE_ROLES for a parent that
    must be writable.
    """

    def __init__(self, *, roles: Iterable[str] = READ_ROLES, **kwargs: Any):
        self.roles = frozenset(roles)
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None or queryset is None:
            return queryset.none() if queryset is not None else queryset
        path = queryset.model.cluster_path
        if path is None:
            raise TypeError(f"{queryset.model.__name__} declares no cluster_path")
        return queryset.filter(scope_q(request.user, path, self.roles))


class SingleLineCharField(serializers.CharField):
    """A title, a name, a code: no line breaks, tabs or other control characters (400)."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.validators.append(validate_single_line)


class MultiLineCharField(serializers.CharField):
    """An agenda, a note, a reason: line breaks and tabs kept, other control characters refused."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.validators.append(validate_multi_line)


# Text fields with a format of one line: addresses, URLs, slugs, usernames.
FORMATTED_ONE_LINE = (serializers.EmailField, serializers.URLField, serializers.SlugField, serializers.RegexField)


def is_single_line(field: serializers.CharField, model: type[models.Model] | None) -> bool:
    """Single-line when declared so, formatted (an email, a URL), or built from a model
    `CharField` (a `TextField` is multi-line). Any other text input is read as multi-line:
    it still refuses NUL and the like."""
    if isinstance(field, (SingleLineCharField, *FORMATTED_ONE_LINE)):
        return True
    source = field.source if isinstance(field.source, str) else ""
    if isinstance(field, MultiLineCharField) or model is None or not source or "." in source:
        return False
    try:
        model_field = model._meta.get_field(source)
    except FieldDoesNotExist:
        return False
    return isinstance(model_field, models.CharField)


def guard_text_fields(serializer: serializers.BaseSerializer) -> None:
    """Give every writable text field of an input serializer (nested ones too) its
    control-character validator. `parse()` calls it, so no input serializer can forget it."""
    if isinstance(serializer, serializers.ListSerializer):
        if isinstance(serializer.child, serializers.BaseSerializer):
            guard_text_fields(serializer.child)
        return
    if not isinstance(serializer, serializers.Serializer):
        return
    meta = getattr(serializer, "Meta", None)
    model = getattr(meta, "model", None) if isinstance(serializer, serializers.ModelSerializer) else None
    for field in serializer.fields.values():
        _guard(field, model)


def _guard(field: serializers.Field, model: type[models.Model] | None) -> None:
    if field.read_only:
        return
    if isinstance(field, serializers.BaseSerializer):
        guard_text_fields(field)
    elif isinstance(field, serializers.ListField | serializers.DictField):
        _guard(field.child, None)
    elif isinstance(field, serializers.CharField):
        if any(isinstance(v, SingleLineValidator | MultiLineValidator) for v in field.validators):
            return
        field.validators.append(validate_single_line if is_single_line(field, model) else validate_multi_line)
