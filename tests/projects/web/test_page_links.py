"""The pages link to each other: the plan page's rows to their pages, the capped lists to the
filtered milestone list, and the plan nav / header links, each shown only to whoever may
open what it points to (the roles of each app's permissions.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.projects.web import worlds
from tests.projects.web.worlds import PlanWorld

plan_world = worlds.plan_world


def plan_html(world: PlanWorld, who: str) -> str:
    response = world.client(who).get(reverse("projects:plan", kwargs={"plan_id": world.plan.pk}))
    assert response.status_code == 200
    return str(response.content.decode())


def nav_links(html: str, css_class: str) -> list[str]:
    """The hrefs of the <nav class="..."> block, in order."""
    found = re.search(rf'<nav class="{css_class}"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


def test_the_plan_page_links_its_projects_milestones_forums_agreements_and_phases(plan_world: PlanWorld) -> None:
    forum = f.ForumFactory.create(phase=plan_world.plan.phases.get(order=1), title="Foro de avance",
                                  starts_at=timezone.now() + dt.timedelta(days=10))
    agreement = f.AgreementFactory.create(plan=plan_world.plan, title="Priorizar el laboratorio")
    html = plan_html(plan_world, "coordinator")
    plan_id = plan_world.plan.pk
    assert f'href="{reverse("projects:project", kwargs={"project_id": plan_world.project.pk})}"' in html
    for milestone in (plan_world.overdue, plan_world.soon):
        assert f'<a href="{reverse("projects:milestone", kwargs={"milestone_id": milestone.pk})}">' in html
    assert f'href="{reverse("plans:forum-detail", kwargs={"forum_id": forum.pk})}">Foro de avance</a>' in html
    assert f'href="{reverse("plans:agreement-detail", kwargs={"agreement_id": agreement.pk})}">' in html
    for name in ("projects:milestone-calendar", "plans:forum-list", "plans:agreement-list", "plans:phase-list",
                 "projects:project-create"):
        assert f'href="{reverse(name, kwargs={"plan_id": plan_id})}"' in html, name


def test_a_capped_list_links_to_the_filtered_milestone_list(plan_world: PlanWorld) -> None:
    today = timezone.localdate()
    for days in range(1, 12):  # 12 overdue in all: the plan page shows 10
        f.MilestoneFactory.create(project=plan_world.project, due_date=today - dt.timedelta(days=days))
    html = plan_html(plan_world, "auditor")
    list_url = reverse("projects:milestone-list", kwargs={"plan_id": plan_world.plan.pk})
    assert "Showing the first 10 of 12" in html
    assert f'<a href="{list_url}?overdue=on">See all 12' in html
    assert f'{list_url}?due_soon=on' not in html  # one due soon: nothing left out
    listed = plan_world.client("auditor").get(f"{list_url}?overdue=on").content.decode()
    assert listed.count('class="badge status-') >= 12 and plan_world.soon.title not in listed


def test_the_plan_nav_and_header_links_follow_each_role(plan_world: PlanWorld) -> None:
    plan_id, cluster_id = plan_world.plan.pk, plan_world.a.pk
    by_plan = {name: reverse(name, kwargs={"plan_id": plan_id}) for name in (
        "projects:plan", "projects:milestone-list", "projects:milestone-calendar", "plans:forum-list",
        "plans:agreement-list", "plans:phase-list", "projects:plan-report", "projects:plan-report-pdf",
        "notifications:reminder-policy")}
    oversight = [reverse(name, kwargs={"cluster_id": cluster_id})
                 for name in ("notifications:deliveries", "notifications:subscriptions")]
    coordinator = plan_html(plan_world, "coordinator")
    history = reverse("plans:history", kwargs={"plan_id": plan_id})  # the workbench: oversight roles only
    assert nav_links(coordinator, "plan-nav") == [*list(by_plan.values())[:8], *oversight, by_plan[
        "notifications:reminder-policy"], history]
    assert 'aria-current="page">Plan</a>' in coordinator
    assert nav_links(coordinator, "site-nav") == [reverse("notifications:overview")]

    stakeholder = plan_html(plan_world, "stakeholder")
    assert nav_links(stakeholder, "plan-nav") == list(by_plan.values())
    assert nav_links(stakeholder, "site-nav") == []
    assert reverse("projects:project-create", kwargs={"plan_id": plan_id}) not in stakeholder

    auditor = plan_html(plan_world, "auditor")
    assert {*oversight, history} <= set(nav_links(auditor, "plan-nav"))
    assert reverse("projects:project-create", kwargs={"plan_id": plan_id}) not in auditor

    admin = plan_html(plan_world, "admin")
    assert nav_links(admin, "site-nav") == [reverse("projects:portfolio"), reverse("notifications:overview")]


@pytest.mark.parametrize(("name", "kwarg"), [
    ("projects:milestone-list", "plan_id"), ("plans:forum-list", "plan_id"), ("plans:phase-list", "plan_id"),
    ("notifications:reminder-policy", "plan_id"), ("projects:plan-report", "plan_id"),
])
def test_every_page_of_the_plan_carries_the_nav_with_itself_marked(
    plan_world: PlanWorld, name: str, kwarg: str
) -> None:
    url = reverse(name, kwargs={kwarg: plan_world.plan.pk})
    html = plan_world.client("coordinator").get(url).content.decode()
    assert nav_links(html, "plan-nav")[0] == reverse("projects:plan", kwargs={"plan_id": plan_world.plan.pk})
    assert re.search(rf'<a href="{re.escape(url)}" aria-current="page">', html)
