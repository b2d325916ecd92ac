"""bench-load's mix cannot rot silently: every route the locustfile's tasks name exists, and
each request `request_for` builds answers as the task expects for the person who makes it.

The locustfile itself is read with `ast` (importing locust would patch this process with
gevent); the programme is a small one built by bench.load's own builders.
"""

from __future__ import annotations

import ast
import json
import random
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from bench import load
from bench.scale import ScaleBuilder
from plans.models import Cluster, Forum, ForumResponse, HistoryEvent, Plan, Position
from projects.models import Milestone, MilestoneUpdate

LOCUSTFILE = Path(load.__file__).with_name("locustfile.py")
KIND_OF_CLASS = {"Stakeholder": "stakeholders", "Coordinator": "coordinators"}


def tasks_by_kind() -> dict[str, set[str]]:
    """The routes each user class's tasks name: `self.call("<route>")` inside the class."""
    found: dict[str, set[str]] = {}
    for node in ast.parse(LOCUSTFILE.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef) and node.name in KIND_OF_CLASS:
            found[KIND_OF_CLASS[node.name]] = {
                str(call.args[0].value) for call in ast.walk(node)
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "call"
                and call.args and isinstance(call.args[0], ast.Constant)
            }
    return found


def test_the_locustfile_names_every_route_of_the_mix_and_nothing_else() -> None:
    named = tasks_by_kind()
    assert set(named) == {"stakeholders", "coordinators"}
    assert set().union(*named.values()) == set(load.ROUTES)
    for kind, routes in named.items():
        for route in routes:
            who = load.ROUTES[route][2]
            assert who in ("any", kind.rstrip("s")), f"{kind} request {route!r}, meant for {who}"


@pytest.mark.parametrize("route", sorted(load.ROUTES))
def test_each_route_template_resolves_to_a_view(route: str) -> None:
    _method, template, _who = load.ROUTES[route]
    path = template.split("?")[0].format(plan=7, milestone=7, open_milestone=7, own_milestone=7, agreement=7,
                                         forum=7)
    try:
        match = resolve(path)
    except Resolver404:
        pytest.fail(f"{route}: {path} resolves to no view")
    assert match.url_name, path


@pytest.fixture
def programme(db: Any, tmp_path: Path) -> dict[str, Any]:
    ScaleBuilder(plans=2, clusters=2, projects=2, milestones=5).run()
    clusters = list(Cluster.objects.filter(slug__startswith="scale-").order_by("id").values_list("pk", flat=True))
    load.add_people(clusters, stakeholders_each=3, coordinators=2)
    assert load.ensure_forums() == 2
    return load.people_file(tmp_path / "people.json")


def perform(client: Client, req: load.Request) -> Any:
    headers = {k.lower(): v for k, v in req.headers.items()}
    if req.method == "GET":
        return client.get(req.path, headers=headers, secure=True)
    return client.post(req.path, data=json.dumps(req.body), content_type="application/json", headers=headers,
                       secure=True)


def test_every_task_answers_for_the_people_who_make_it(programme: dict[str, Any]) -> None:
    assert len(programme["coordinators"]) == 2 and len(programme["stakeholders"]) == 6
    rng = random.Random(5)
    client = Client()
    events_before = HistoryEvent.objects.count()
    for kind, routes in sorted(tasks_by_kind().items()):
        for route in sorted(routes):
            for person in programme[kind]:
                req = load.request_for(route, person, programme, rng)
                assert req is not None, route
                client.cookies.clear()
                response = perform(client, req)
                expected = load.expected_status(route)
                assert response.status_code == expected, (route, kind, req.path, response.content[:300])
    # The writes went through the services: completions, notes, positions and replies, each with its event.
    assert Milestone.objects.filter(status="completed", completion_note__startswith="Entregado").count() == 2
    assert MilestoneUpdate.objects.count() == 6 and Position.objects.count() >= 1
    assert ForumResponse.objects.count() == 6
    assert HistoryEvent.objects.count() >= events_before + 2 + 6 + 6 + 6


def test_the_expected_statuses_are_what_the_api_answers() -> None:
    assert load.expected_status("POST RSVP") == 200  # the reply view answers 200, first reply or not
    assert load.expected_status("POST milestone complete") == 200
    assert load.expected_status("POST position") == load.expected_status("POST progress note") == 201
    assert load.expected_status("plan page") == 200


def test_ensure_forums_gives_each_plan_one_upcoming_forum_once(programme: dict[str, Any]) -> None:
    assert load.ensure_forums() == 0  # the fixture's call (on plans built without forums) scheduled them
    forums = Forum.objects.filter(plan__cluster__slug__startswith="scale-")
    assert forums.count() == Plan.objects.filter(cluster__slug__startswith="scale-").count() == 2
    now = timezone.now()
    assert all(f.status == Forum.Status.SCHEDULED and f.starts_at > now and f.phase.plan_id == f.plan_id
               for f in forums)
    assert programme["forums"] == {str(f.plan_id): f.pk for f in forums}


def test_a_stakeholder_replies_again_and_changes_the_answer(programme: dict[str, Any]) -> None:
    person = programme["stakeholders"][0]
    client = Client()
    answers = []
    for answer in ("yes", "yes", "maybe"):
        req = load.request_for("POST RSVP", person, programme, random.Random())
        assert req is not None and req.body is not None
        assert req.path == f"/api/v1/forums/{programme['forums'][str(person['plans'][0])]}/rsvp/"
        req.body["answer"] = answer
        response = perform(client, req)
        assert response.status_code == load.expected_status("POST RSVP"), response.content[:300]
        answers.append(response.json()["answer"])
    assert answers == ["yes", "yes", "maybe"]
    assert ForumResponse.objects.get().answer == "maybe"
    assert HistoryEvent.objects.filter(object_type="plans.forumresponse").count() == 2  # the same answer: no event


def test_without_a_forum_there_is_no_reply(programme: dict[str, Any]) -> None:
    person = programme["stakeholders"][0]
    assert load.request_for("POST RSVP", person, {**programme, "forums": {}}, random.Random()) is None


def test_completions_take_each_open_milestone_once_then_nothing(programme: dict[str, Any]) -> None:
    coordinator = programme["coordinators"][0]
    person = {**coordinator, "plans": coordinator["plans"][:1]}
    pool = programme["open_milestones"][str(person["plans"][0])]
    assert pool and all(isinstance(i, int) for i in pool)
    rng = random.Random(3)
    taken = [load.request_for("POST milestone complete", person, programme, rng) for _ in range(len(pool))]
    paths = [req.path for req in taken if req is not None]
    assert len(set(paths)) == len(paths) == len(taken)
    assert load.request_for("POST milestone complete", person, programme, rng) is None


def test_pages_use_the_session_and_the_api_the_token(programme: dict[str, Any]) -> None:
    person = programme["stakeholders"][0]
    rng = random.Random(1)
    page = load.request_for("plan page", person, programme, rng)
    api = load.request_for("GET /api/v1/me/", person, programme, rng)
    assert page is not None and api is not None
    assert page.headers["Cookie"] == f"{programme['session_cookie']}={person['session']}"
    assert api.headers["Authorization"] == f"Token {person['token']}" and "Cookie" not in api.headers


def test_the_report_says_rsvps_are_in_the_mix_only_when_the_run_made_them() -> None:
    before: list[dict[str, Any]] = [{"routes": {"POST position": {}}}]
    assert "not in this run's mix" in load.rsvp_text(before)
    assert "/rsvp/" in load.rsvp_text([*before, {"routes": {"POST RSVP": {}}}])
