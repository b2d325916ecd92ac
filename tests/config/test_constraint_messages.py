"""A database rule broken in a form (admin or page) reads as the domain's words, never as the
constraint's name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from projects.models import Milestone
from tests.factories import MilestoneFactory

PROJECT_APPS = ("plans", "projects", "notifications")


def test_every_constraint_has_its_own_message() -> None:
    missing = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            for constraint in model._meta.constraints:
                if constraint.violation_error_message == constraint.default_violation_error_message:
                    missing.append(f"{model._meta.label}.{constraint.name}")
    assert missing == []


@pytest.mark.django_db
def test_a_completion_date_on_an_open_milestone_is_refused_in_plain_words() -> None:
    milestone = MilestoneFactory.create()
    milestone.status = Milestone.Status.PENDING
    milestone.completed_on = dt.date(2026, 1, 5)
    with pytest.raises(ValidationError) as refused:
        milestone.full_clean()
    text = " ".join(refused.value.messages)
    assert "Only a completed milestone has a completion date." in text or "fecha de cumplimiento" in text
    assert "milestone_date_only_when_completed" not in text
