"""The pages refuse control characters like the API (issue 12 §4): a form error, input kept, nothing written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from plans.models import Forum
from tests.plans.helpers import NewEvents
from tests.plans.web.forum_world import World, build_world

pytestmark = pytest.mark.django_db

ONE_LINE_ERROR = "Write this on one line: line breaks, tabs and control characters are not allowed."


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


def _place(world: World, **overrides: str) -> dict[str, str]:
    return {"version": str(world.forum.version), "title": world.forum.title, "starts_at": "2031-05-10T09:00",
            "ends_at": "", "venue": "Sociedad Rural", "address": "", "organizer": ""} | overrides


def test_a_title_with_a_carriage_return_is_a_form_error_and_nothing_is_written(world: World) -> None:
    with NewEvents() as new:
        response = world.client("coordinator").post(
            reverse("plans:forum-edit", args=[world.forum.pk]), _place(world, title="Taller\rII")
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert ONE_LINE_ERROR in html and 'aria-invalid="true"' in html
    assert new.events == []
    assert Forum.objects.get(pk=world.forum.pk).title == world.forum.title


def test_scheduling_refuses_a_venue_with_a_tab(world: World) -> None:
    data = {"phase": str(world.phase.pk), "title": "III Foro", "starts_at": "2031-06-01T09:00", "ends_at": "",
            "venue": "Salón\tmunicipal", "address": "", "organizer": "", "agenda": "Presentación"}
    with NewEvents() as new:
        response = world.client("coordinator").post(reverse("plans:forum-schedule", args=[world.plan.pk]), data)
    assert response.status_code == 200 and ONE_LINE_ERROR in response.content.decode()
    assert new.events == [] and not Forum.objects.filter(title="III Foro").exists()


def test_a_textarea_keeps_line_breaks_and_refuses_other_controls(world: World) -> None:
    url = reverse("plans:forum-agenda", args=[world.forum.pk])
    client = world.client("coordinator")
    refused = client.post(url, {"version": world.forum.version, "agenda": "Apertura\x1b[2J"})
    assert refused.status_code == 200
    assert "Control characters are not allowed (line breaks and tabs are)." in refused.content.decode()
    assert client.post(url, {"version": world.forum.version, "agenda": "Apertura\r\n\tFODA"}).status_code == 302
    assert Forum.objects.get(pk=world.forum.pk).agenda == "Apertura\r\n\tFODA"


def test_the_projects_forms_inherit_the_rule() -> None:
    from projects.web.forms import ProjectForm  # a VersionedForm of another app

    data = {"code": "P7", "title": "Cold\rchain", "objective": "Line one\r\nline two", "category": "quality",
            "good_type": "public"}
    form = ProjectForm(data, choices={"strategic_lines": [], "organizations": []}, editing=False)
    assert not form.is_valid()
    assert list(form.errors) == ["title"] and form.errors["title"] == [ONE_LINE_ERROR]


# GET filters (not stored; Django's CharField already refuses NUL), the login form, and text
# parsed into numbers (the reminder days).
NOT_STORED = {"SearchForm", "CheckInForm", "MilestoneFilterForm", "DeliveryFilterForm", "LoginForm",
              "ReminderPolicyForm"}
FORM_MODULES = [
    "plans.web.forms", "plans.web.auth", "projects.web.forms", "projects.web.milestone_forms",
    "notifications.web.forms", "plans.admin.base", "plans.admin.plans", "projects.admin.milestones",
]


def test_every_form_that_stores_text_applies_the_rule() -> None:
    import importlib
    import inspect

    from django import forms

    from plans.validators import ControlCharacterMixin

    seen = 0
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or cls.__module__ != module_name or name in NOT_STORED:
                continue
            if any(isinstance(f, forms.CharField) for f in getattr(cls, "base_fields", {}).values()):
                assert issubclass(cls, ControlCharacterMixin), f"{module_name}.{name}"
                seen += 1
    assert seen > 20
