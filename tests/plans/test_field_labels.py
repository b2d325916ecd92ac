"""Every relation field of the domain models has its own translatable label (admin, API
schema and validation messages show it), not Django's default made from the attribute name."""

from __future__ import annotations

from django.apps import apps
from django.utils.functional import Promise


def test_every_relation_field_has_a_lazy_translated_verbose_name() -> None:
    missing = []
    for app in ("plans", "projects"):
        for model in apps.get_app_config(app).get_models():
            for field in [*model._meta.local_fields, *model._meta.local_many_to_many]:
                if field.is_relation and not isinstance(field._verbose_name, Promise):  # type: ignore[attr-defined]
                    missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []
