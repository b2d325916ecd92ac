"""The mix of `make bench-load` (bench/load.py starts it): stakeholders and coordinators of one programme.

Every task names a route of `bench.load.ROUTES` and draws its person from the 1,020 in the
file bench/load.py writes (BENCH_LOAD_PEOPLE): pages with the person's session cookie, the
API with their knox token. Each virtual user makes one request per second; there are 4
stakeholder users for each coordinator user. tests/bench/test_load.py checks that every
route named here resolves and answers as the task expects.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

from locust import FastHttpUser, task

from bench.load import expected_status, request_for

PEOPLE: dict[str, Any] = json.loads(open(os.environ["BENCH_LOAD_PEOPLE"], encoding="utf-8").read())  # noqa: SIM115
FALLBACK = "GET /api/v1/me/"  # when there is nothing to complete, report on or reply to


class Person(FastHttpUser):
    abstract = True
    kind = "stakeholders"

    def on_start(self) -> None:
        self.rng = random.Random()

    def wait_time(self) -> float:
        # Independent people: Poisson arrivals, one a second on average per virtual user.
        return self.rng.expovariate(1.0)

    def call(self, route: str) -> None:
        person = self.rng.choice(PEOPLE[self.kind])
        req = request_for(route, person, PEOPLE, self.rng)
        if req is None:
            route, req = FALLBACK, request_for(FALLBACK, person, PEOPLE, self.rng)
            assert req is not None
        self.client.cookiejar.clear()  # the person is in the header; nothing carries over between people
        expected = expected_status(route)
        with self.client.request(req.method, req.path, name=route, headers=req.headers, json=req.body,
                                 catch_response=True, allow_redirects=False) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")


class Stakeholder(Person):
    weight = 4
    kind = "stakeholders"

    @task(10)
    def plan_page(self) -> None:
        self.call("plan page")

    @task(5)
    def milestone_list_page(self) -> None:
        self.call("milestone list page")

    @task(5)
    def milestone_page(self) -> None:
        self.call("milestone page")

    @task(6)
    def me(self) -> None:
        self.call("GET /api/v1/me/")

    @task(4)
    def api_milestones(self) -> None:
        self.call("GET /api/v1/milestones/?plan=")

    @task(3)
    def api_dashboard(self) -> None:
        self.call("GET /api/v1/plans/{id}/dashboard/")

    @task(1)
    def progress_note(self) -> None:
        self.call("POST progress note")

    @task(1)
    def position(self) -> None:
        self.call("POST position")

    @task(1)
    def rsvp(self) -> None:
        self.call("POST RSVP")


class Coordinator(Person):
    weight = 1
    kind = "coordinators"

    @task(6)
    def plan_page(self) -> None:
        self.call("plan page")

    @task(3)
    def milestone_list_page(self) -> None:
        self.call("milestone list page")

    @task(2)
    def milestone_page(self) -> None:
        self.call("milestone page")

    @task(3)
    def timeline_page(self) -> None:
        self.call("timeline page")

    @task(2)
    def api_history(self) -> None:
        self.call("GET /api/v1/plans/{id}/history/")

    @task(3)
    def me(self) -> None:
        self.call("GET /api/v1/me/")

    @task(2)
    def api_dashboard(self) -> None:
        self.call("GET /api/v1/plans/{id}/dashboard/")

    @task(3)
    def complete(self) -> None:
        self.call("POST milestone complete")
