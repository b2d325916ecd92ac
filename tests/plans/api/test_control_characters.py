"""Control characters in text input (issue 12 §4): single-line fields refuse them, multi-line
fields keep line breaks and tabs only; the answer is a 400 with the error shape."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers

from plans.api.base.fields import guard_text_fields
from plans.api.base.views import ClusterScopedMixin
from plans.models import Forum, HistoryEvent
from plans.validators import SingleLineValidator, one_line, validate_multi_line, validate_single_line
from projects.models import Milestone
from tests.world import World

SHAPE = {"type", "detail", "errors"}
REFUSED_IN_ONE_LINE = ["a\rb", "a\nb", "a\r\nb", "a\tb", "a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\u2028b"]


@pytest.mark.parametrize("value", REFUSED_IN_ONE_LINE)
def test_a_single_line_refuses_every_control_character(value: str) -> None:
    with pytest.raises(Exception, match="one line"):
        validate_single_line(value)


@pytest.mark.parametrize("value", ["Foro II — Tucumán", "Ñandú «día» 50 %", ""])
def test_ordinary_text_passes_both_rules(value: str) -> None:
    validate_single_line(value)
    validate_multi_line(value)


def test_a_multi_line_keeps_line_breaks_and_tabs_but_refuses_the_rest() -> None:
    validate_multi_line("Apertura\r\nFODA\n\tcierre\r")
    for value in ("a\x00b", "a\x1bb", "a\x0bb", "a\x7fb"):
        with pytest.raises(Exception, match="Control characters"):
            validate_multi_line(value)


def test_one_line_turns_every_run_of_controls_into_one_space() -> None:
    assert one_line("  Muestreo\r\n\tde\x00\x00tambos\u2028 ") == "Muestreo de tambos"


def test_a_title_with_a_carriage_return_is_a_400_and_nothing_changes(world: World) -> None:
    forum = world.own["forum"]
    with_history = HistoryEvent.objects.count()
    response = world.client("coordinator").patch(f"/api/v1/forums/{forum.pk}/", {"title": "a\rb"}, format="json")
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert set(body) == SHAPE and body["type"] == "validation_error" and list(body["errors"]) == ["title"]
    assert Forum.objects.get(pk=forum.pk).title == forum.title and HistoryEvent.objects.count() == with_history


def test_a_multi_line_field_keeps_its_line_breaks_and_refuses_other_controls(world: World) -> None:
    forum, client = world.own["forum"], world.client("coordinator")
    url = f"/api/v1/forums/{forum.pk}/"
    assert client.patch(url, {"agenda": "Apertura\r\nFODA\n\tcierre"}, format="json").status_code == 200
    assert Forum.objects.get(pk=forum.pk).agenda == "Apertura\r\nFODA\n\tcierre"
    response = client.patch(url, {"agenda": "Apertura\x07"}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["agenda"]


def test_plain_serializers_refuse_too_milestone_titles_and_reasons(world: World) -> None:
    milestone, client = world.own["milestone"], world.client("coordinator")
    response = client.patch(f"/api/v1/milestones/{milestone.pk}/", {"title": "Muestreo\r\nde tambos"}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["title"]
    assert Milestone.objects.get(pk=milestone.pk).title == milestone.title
    response = client.post(f"/api/v1/forums/{world.own['forum'].pk}/cancel/", {"reason": "Lluvias\x1b[31m"},
                           format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["reason"]


def _api_views() -> list[type[ClusterScopedMixin]]:
    found: list[type[ClusterScopedMixin]] = []

    def walk(patterns: list[URLPattern | URLResolver]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
                continue
            view = getattr(pattern.callback, "cls", None)
            if isinstance(view, type) and issubclass(view, ClusterScopedMixin) and view not in found:
                found.append(view)

    walk(get_resolver().url_patterns)
    return found


def _text_fields(serializer: serializers.BaseSerializer) -> list[tuple[str, serializers.CharField]]:
    fields: list[tuple[str, serializers.CharField]] = []
    if not isinstance(serializer, serializers.Serializer):
        return fields
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ListField | serializers.DictField):
            field = field.child  # the element's rule
        if isinstance(field, serializers.Serializer):
            fields += [(f"{name}.{sub}", f) for sub, f in _text_fields(field)]
        elif isinstance(field, serializers.CharField) and not field.read_only:
            fields.append((name, field))
    return fields


def test_every_input_text_field_gets_a_rule_and_short_ones_are_single_line(db: None) -> None:
    # A short text (a model CharField's size) ends up in subjects, headings and CSV cells: one line.
    views = _api_views()
    assert len(views) > 10
    checked = 0
    for view in views:
        for action, cls in view.input_serializers.items():
            serializer = cls(data={}, context={})
            guard_text_fields(serializer)
            for name, field in _text_fields(serializer):
                single = any(isinstance(v, SingleLineValidator) for v in field.validators)
                assert single or validate_multi_line in field.validators, (view.__name__, action, name)
                if field.max_length is not None and field.max_length <= 300 and name != "password":
                    assert single, f"{view.__name__}.{action}: {cls.__name__}.{name} should be single-line"
                checked += 1
    assert checked > 30
