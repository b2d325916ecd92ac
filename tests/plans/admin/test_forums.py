"""The launch forum of the seed, scheduled and held from the admin."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from plans.models import Forum, Organization, Phase
from plans.services import clusters as cluster_services
from tests.admin_helpers import events_after, form_post_data, last_event_id
from tests.world import SETUP, Side

pytestmark = pytest.mark.django_db


def test_schedule_attend_and_hold_the_launch_forum(coordinator_client: Client, dairy: Side) -> None:
    launch = Phase.objects.get(plan=dairy.plan, kind=Phase.Kind.LAUNCH)
    member = cluster_services.organization_create(
        cluster_id=dairy.cluster.pk, actor=SETUP, name="Mesa de Lechería Provincial",
        kind=Organization.Kind.SUPPORT_INSTITUTION,
    )
    before = last_event_id()
    response = coordinator_client.post(reverse("admin:plans_forum_add"), {
        "phase": launch.pk, "title": "I Foro Participativo", "starts_at_0": "2012-09-20", "starts_at_1": "08:30",
        "venue": "Sociedad Rural de Tucumán", "address": "Camino del Perú 1050, Cevil Redondo, Yerba Buena",
        "organizer": "Coordinación Cluster Lácteo de Tucumán",
        "attendance-TOTAL_FORMS": "1", "attendance-INITIAL_FORMS": "0", "attendance-0-organization": member.pk,
    })
    assert response.status_code == 302
    forum = Forum.objects.get(plan=dairy.plan)
    assert forum.starts_at == dt.datetime(2012, 9, 20, 8, 30, tzinfo=ZoneInfo("America/Argentina/Tucuman"))
    assert forum.attendance.get().organization == member
    assert [(e.action, e.object_type, e.source) for e in events_after(before)] == [
        ("create", "plans.forum", "admin"), ("create", "plans.forumattendance", "admin"),
    ]

    url = reverse("admin:plans_forum_change", args=[forum.pk])
    data = form_post_data(coordinator_client.get(url))
    data.update(status=Forum.Status.HELD, minutes="Se presentó la iniciativa y el plan de trabajo.")
    before = last_event_id()
    assert coordinator_client.post(url, data).status_code == 302
    forum.refresh_from_db()
    assert (forum.status, forum.minutes) == (Forum.Status.HELD, "Se presentó la iniciativa y el plan de trabajo.")
    [event] = events_after(before)
    assert (event.action, event.changes["status"]) == ("transition", ["scheduled", "held"])
