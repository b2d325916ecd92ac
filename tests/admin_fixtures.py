"""Two clusters built through the services, and the three kinds of admin users."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.messages import ERROR, get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plans.models import Cluster, HistoryEvent, Plan, Role, Source
from plans.services import clusters as cluster_services
from plans.services import plans as plan_services
from plans.services.history import Actor
from projects.models import Milestone, Project
from projects.services import milestones as milestone_services
from projects.services import projects as project_services

SETUP = Actor.system(Source.COMMAND)


@dataclass
class World:
    cluster: Cluster
    plan: Plan
    project: Project
    milestone: Milestone


def build_world(slug: str) -> World:
    cluster = cluster_services.cluster_create(actor=SETUP, name=f"Cluster {slug}", slug=slug)
    plan = plan_services.plan_create(cluster_id=cluster.pk, actor=SETUP, title=f"Plan {slug}")
    project = project_services.project_create(
        plan_id=plan.pk, actor=SETUP, code=f"{slug[:3].upper()}-1", title=f"Project {slug}", category="quality"
    )
    milestone = milestone_services.milestone_create(
        project_id=project.pk, actor=SETUP, title=f"Milestone {slug}",
        due_date=timezone.localdate() - dt.timedelta(days=3),
    )
    return World(cluster, plan, project, milestone)


@pytest.fixture
def dairy(db: Any) -> World:
    return build_world("dairy")


@pytest.fixture
def fruit(db: Any) -> World:
    return build_world("fruit")


def _user(username: str, **flags: bool) -> Any:
    # Created directly: no password hashing; the client logs in with force_login.
    return get_user_model().objects.create(username=username, **flags)


@pytest.fixture
def admin_client(db: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(_user("admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def coordinator(dairy: World) -> Any:
    user = _user("coordinator", is_staff=True)
    cluster_services.role_assign(user_id=user.pk, cluster_id=dairy.cluster.pk, role=Role.COORDINATOR, actor=SETUP)
    return user


@pytest.fixture
def coordinator_client(coordinator: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator)
    return client


@pytest.fixture
def auditor_client(db: Any) -> Client:
    user = _user("auditor", is_staff=True)
    cluster_services.role_assign(user_id=user.pk, cluster_id=None, role=Role.AUDITOR, actor=SETUP)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


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
