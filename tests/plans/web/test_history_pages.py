"""The auditor's workbench pages: timeline, compare, verify and the downloads.

Who: auditors and coordinators of the plan's cluster (global auditors and programme
administrators: every cluster); a stakeholder gets 403, anyone else 404, anonymous the login
page. The history is made through the services, as people make it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess  # nosec B404 - runs the project's own offline checker on a downloaded file
import sys
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format

from plans.models import HistoryChainHead, HistoryEvent, Plan, Role, Source, StrategicLine
from plans.services.history import Actor, canonical_json, declare_application_write
from plans.services.plans import strategic_line_create, strategic_line_delete
from plans.web.audit import timeline as timeline_view
from projects.models import FundingLine, Milestone, Project
from projects.services.funding import funding_line_create
from projects.services.milestones import milestone_create, milestone_reschedule, milestone_start
from projects.services.projects import project_create
from tests.factories import ClusterFactory, PlanFactory, RoleAssignmentFactory, UserFactory
from tests.plans.audit.helpers import as_attacker
from tests.world import World, build_world

PAGES = ("plans:history", "plans:history-compare", "plans:history-verify", "plans:history-export",
         "plans:history-chain-export")
TUCUMAN = "America/Argentina/Tucuman"


@dataclass
class Story:
    people: World
    plan: Plan
    project: Project
    milestone: Milestone
    line: FundingLine
    due: dt.date
    new_due: dt.date

    def client(self, who: str | None, language: str = "en") -> Client:
        return self.people.browser(who, language=language)


def tell_story(people: World) -> Story:
    """A project with a milestone started and rescheduled (with a reason) and a funding line,
    by the dairy cluster's coordinator through the pages' door."""
    plan = people.own.plan
    plan.cluster.time_zone = TUCUMAN
    plan.cluster.save(update_fields=["time_zone"])
    actor = Actor(user=people.users["coordinator"], source=Source.WEB)
    due = dt.date.today() + dt.timedelta(days=60)
    new_due = due + dt.timedelta(days=30)
    project = project_create(plan_id=plan.pk, actor=actor, code="P1", title="Calidad de leche", category="quality")
    line = funding_line_create(project_id=project.pk, actor=actor, source="provincial", currency="ARS",
                               budget="1500.50")
    milestone = milestone_create(project_id=project.pk, actor=actor, title="Estudio de mercado", due_date=due)
    milestone_start(milestone_id=milestone.pk, actor=actor)
    milestone = milestone_reschedule(milestone_id=milestone.pk, actor=actor, due_date=new_due,
                                     reason="Lluvias en la cuenca")
    return Story(people, Plan.objects.get(pk=plan.pk), project, milestone, line, due, new_due)


@pytest.fixture
def story(people: World) -> Story:
    return tell_story(people)


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def event_block(html: str, event: HistoryEvent) -> str:
    """The <li> of one event on the timeline."""
    match = re.search(rf'<li class="card event[^"]*" id="event-{event.pk}">(.*?)</li>\s*(?:<li class="card|</ol>)',
                      html, re.S)
    assert match, f"event #{event.pk} is not on the page"
    return match.group(1)


def english_date(day: dt.date) -> str:
    with translation.override("en"):
        return date_format(day, "DATE_FORMAT")


def last_event(**filters: Any) -> HistoryEvent:
    return HistoryEvent.objects.filter(**filters).order_by("-id").first()  # type: ignore[return-value]


# --- who may open the workbench --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("who", "status"), [
    ("coordinator", 200), ("auditor", 200), ("global_auditor", 200), ("admin", 200),
    ("stakeholder", 403), ("coordinator_b", 404), ("nobody", 404),
])
def test_who_may_open_each_page(people: World, page: str, who: str, status: int) -> None:
    response = people.browser(who).get(reverse(page, args=[people.own.plan.pk]))
    assert response.status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_another_clusters_plan_is_not_found_and_anonymous_goes_to_log_in(people: World, page: str) -> None:
    assert people.browser("auditor").get(reverse(page, args=[people.other.plan.pk])).status_code == 404
    response = people.browser(None).get(reverse(page, args=[people.own.plan.pk]))
    assert response.status_code == 302 and urlparse(response["Location"]).path == reverse("plans:login")


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("stakeholder", 403), ("coordinator_b", 404), ("nobody", 404)])
def test_only_oversight_roles_may_run_the_check(people: World, who: str, status: int) -> None:
    before = HistoryEvent.objects.count()
    response = people.browser(who).post(reverse("plans:history-verify", args=[people.own.plan.pk]))
    assert response.status_code == status and "The chain is intact" not in response.content.decode()
    assert HistoryEvent.objects.count() == before


@pytest.mark.django_db
def test_the_plan_nav_links_the_history_for_auditors_and_coordinators_only(story: Story) -> None:
    history = f'href="{reverse("plans:history", args=[story.plan.pk])}"'
    plan_page = reverse("projects:plan", args=[story.plan.pk])
    for who in ("coordinator", "auditor", "global_auditor"):
        assert history in story.client(who).get(plan_page).content.decode(), who
    assert history not in story.client("stakeholder").get(plan_page).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["auditor", "coordinator"])
def test_no_page_of_the_workbench_offers_a_write_control(story: Story, who: str) -> None:
    """The only forms that post are the site's own (log out, language) and the verify button."""
    client = story.client(who)
    allowed = {reverse("plans:logout"), reverse("set_language"), reverse("plans:history-verify", args=[story.plan.pk])}
    for page in ("plans:history", "plans:history-compare", "plans:history-verify"):
        html = html_of(client.get(reverse(page, args=[story.plan.pk]), {"from": "2000-01-01"}))
        posts = re.findall(r'<form method="post" action="([^"]*)"', html)
        assert posts and set(posts) <= allowed, (page, posts)
        for write in ("projects:milestone-complete", "projects:milestone-reschedule", "projects:milestone-start"):
            assert reverse(write, args=[story.milestone.pk]) not in html, (page, write)
        assert reverse("projects:project-edit", args=[story.project.pk]) not in html


# --- the timeline --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_timeline_reads_each_change_newest_first(story: Story) -> None:
    html = html_of(story.client("auditor").get(reverse("plans:history", args=[story.plan.pk])))
    ids = [int(i) for i in re.findall(r'id="event-(\d+)"', html)]
    expected = list(HistoryEvent.objects.filter(plan_id=story.plan.pk).order_by("-id").values_list("id", flat=True))
    assert ids == expected and len(ids) == 5

    rescheduled = last_event(object_type="projects.milestone", action="reschedule")
    block = event_block(html, rescheduled)
    assert "Rescheduled" in block and "Milestone" in block
    assert f'href="{reverse("projects:milestone", args=[story.milestone.pk])}">Estudio de mercado</a>' in block
    when = rescheduled.occurred_at.astimezone(dt.timezone(dt.timedelta(hours=-3)))  # Tucumán: UTC-3, no DST
    assert f'<time datetime="{when.isoformat()}">' in block
    assert "<strong>coordinator</strong>" in block and "through: web page" in block
    # the field's label, the dates as people write them, old -> new in their columns
    old, new = story.due, story.new_due
    assert (f'<th scope="row">Due date</th><td class="old">{english_date(old)}</td>'
            f'<td class="new">{english_date(new)}</td>') in block
    assert "<strong>Reason:</strong> Lluvias en la cuenca" in block
    assert f"<code>{rescheduled.hash[:12]}…</code>" in block and f"<code>{rescheduled.hash}</code>" in block
    assert f"<code>{rescheduled.prev_hash}</code>" in block and "<details>" in block

    started = event_block(html, last_event(object_type="projects.milestone", action="transition"))
    assert '<td class="old">pending</td><td class="new">in progress</td>' in started  # choice labels
    funding = event_block(html, last_event(object_type="projects.fundingline"))
    assert '<td class="new">ARS\xa01,500.50</td>' in funding  # money with its currency
    assert '<td class="new">provincial counterpart</td>' in funding


@pytest.mark.django_db
def test_each_event_links_to_the_plan_just_before_it(story: Story) -> None:
    html = html_of(story.client("auditor").get(reverse("plans:history", args=[story.plan.pk])))
    rescheduled = last_event(object_type="projects.milestone", action="reschedule")
    link = re.search(r'<a href="([^"]+)" class="before-link">', event_block(html, rescheduled))
    assert link
    address = urlparse(link.group(1))
    assert address.path == reverse("projects:plan", args=[story.plan.pk])
    as_of = parse_datetime(parse_qs(address.query)["as_of"][0])
    assert as_of is not None and as_of < rescheduled.occurred_at
    assert rescheduled.occurred_at - as_of == dt.timedelta(microseconds=1)
    # just before: the event itself is after that instant, every older one at or before it
    assert not HistoryEvent.objects.filter(plan_id=story.plan.pk, id__lt=rescheduled.pk, occurred_at__gt=as_of).exists()
    assert story.client("auditor").get(link.group(1)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "expected"), [
    ({"object_type": "projects.milestone"}, {"create", "transition", "reschedule"}),
    ({"action": "reschedule"}, {"reschedule"}),
    ({"q": "lluvias"}, {"reschedule"}),
    ({"q": "Calidad"}, {"create"}),
    ({"actor": "coordinator", "object_type": "projects.fundingline"}, {"create"}),
    ({"actor": "someone-else"}, set()),
    ({"source": "database"}, set()),
])
def test_the_filters_narrow_the_timeline(story: Story, query: dict[str, str], expected: set[str]) -> None:
    html = html_of(story.client("auditor").get(reverse("plans:history", args=[story.plan.pk]), query))
    ids = [int(i) for i in re.findall(r'id="event-(\d+)"', html)]
    assert {e.action for e in HistoryEvent.objects.filter(pk__in=ids)} == expected
    matching = {"object_type": "object_type", "action": "action"}
    for name, column in matching.items():
        if name in query:
            assert set(HistoryEvent.objects.filter(pk__in=ids).values_list(column, flat=True)) <= {query[name]}
    if not expected:
        assert "No change matches these filters." in html


@pytest.mark.django_db
def test_the_date_range_is_read_in_the_clusters_zone(story: Story) -> None:
    url = reverse("plans:history", args=[story.plan.pk])
    client = story.client("auditor")
    first = HistoryEvent.objects.filter(plan_id=story.plan.pk).order_by("id").first()
    assert first is not None
    local_day = first.occurred_at.astimezone(dt.timezone(dt.timedelta(hours=-3))).date()
    same_day = html_of(client.get(url, {"since": local_day.isoformat(), "until": local_day.isoformat()}))
    assert f'id="event-{first.pk}"' in same_day
    next_day = (local_day + dt.timedelta(days=1)).isoformat()
    assert 'id="event-' not in html_of(client.get(url, {"since": next_day}))
    wrong = html_of(client.get(url, {"since": next_day, "until": local_day.isoformat()}))
    assert "Must not be after “until”." in wrong and 'id="event-' not in wrong


@pytest.mark.django_db
def test_cursor_pages_walk_the_history_both_ways(story: Story, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline_view, "PAGE_SIZE", 2)
    client = story.client("auditor")
    url = reverse("plans:history", args=[story.plan.pk])
    everything = list(HistoryEvent.objects.filter(plan_id=story.plan.pk).order_by("-id").values_list("id", flat=True))
    seen: list[int] = []
    html = html_of(client.get(url, {"object_type": ""}))
    pages = []
    while True:
        ids = [int(i) for i in re.findall(r'id="event-(\d+)"', html)]
        pages.append(ids)
        seen += ids
        older = re.search(r'<a href="\?([^"]*)" rel="next">', html)
        if not older:
            break
        html = html_of(client.get(url + "?" + older.group(1)))
    assert seen == everything and [len(p) for p in pages] == [2, 2, 1]
    newer = re.search(r'<a href="\?([^"]*)" rel="prev">', html)
    assert newer
    back = html_of(client.get(url + "?" + newer.group(1)))
    assert [int(i) for i in re.findall(r'id="event-(\d+)"', back)] == pages[1]


@pytest.mark.django_db
def test_the_timeline_costs_the_same_queries_whatever_the_number_of_events(
    story: Story, django_assert_num_queries: Any,
) -> None:
    client = story.client("auditor")
    url = reverse("plans:history", args=[story.plan.pk])
    client.get(url)  # the session and the cached roles are warm, as for a person browsing
    # session, user, plan (with its cluster), events page, currencies of the funding lines,
    # and the captured changes waiting to be sealed (table check + count)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    actor = Actor(user=story.people.users["coordinator"], source=Source.WEB)
    funding_line_create(project_id=story.project.pk, actor=actor, source="private", currency="USD", budget="100")
    for n in range(6):
        milestone_create(project_id=story.project.pk, actor=actor, title=f"Hito {n}", due_date=story.due)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_spanish_readers_get_spanish_dates_and_money(story: Story) -> None:
    html = html_of(story.client("auditor", language="es").get(reverse("plans:history", args=[story.plan.pk])))
    assert '<html lang="es">' in html
    funding = event_block(html, last_event(object_type="projects.fundingline"))
    assert '<td class="new">$\xa01.500,50</td>' in funding
    new = story.new_due
    months = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
              "noviembre", "diciembre"]
    assert f"{new.day} de {months[new.month - 1]} de {new.year}" in html


# --- compare ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_compare_names_what_was_created_changed_and_deleted(story: Story) -> None:
    actor = Actor(user=story.people.users["coordinator"], source=Source.WEB)
    line = strategic_line_create(plan_id=story.plan.pk, actor=actor, code="L9", title="Línea efímera")
    middle = HistoryEvent.objects.filter(plan_id=story.plan.pk).order_by("-id").first()
    assert middle is not None
    milestone_reschedule(milestone_id=story.milestone.pk, actor=actor, due_date=story.new_due + dt.timedelta(days=7),
                         reason="Otra demora")
    strategic_line_delete(strategic_line_id=line.pk, actor=actor, reason="Duplicada")
    client = story.client("auditor")
    url = reverse("plans:history-compare", args=[story.plan.pk])

    everything = html_of(client.get(url, {"from": "2000-01-01T00:00"}))
    created = section(everything, "created")
    assert "Calidad de leche" in created and "Estudio de mercado" in created
    assert f'href="{reverse("projects:project", args=[story.project.pk])}"' in created
    assert "Línea efímera" in section(everything, "deleted") and "Línea efímera" not in created

    since_middle = html_of(client.get(url, {"from": middle.occurred_at.isoformat()}))
    changed = section(since_middle, "changed")
    later = story.new_due + dt.timedelta(days=7)
    assert "Estudio de mercado" in changed
    assert (f'<th scope="row">Due date</th><td class="old">{english_date(story.new_due)}</td>'
            f'<td class="new">{english_date(later)}</td>') in changed
    assert "Calidad de leche" not in since_middle
    assert "Línea efímera" in section(since_middle, "deleted")
    assert not StrategicLine.objects.filter(pk=line.pk).exists()


def section(html: str, key: str) -> str:
    match = re.search(rf'<section class="card compare-section" id="compare-{key}".*?</section>', html, re.S)
    assert match, key
    return match.group(0)


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "message"), [
    ({"from": "yesterday"}, "Enter a date and time, e.g. 2012-09-21 08:30."),
    ({"from": "2030-01-02", "to": "2030-01-01"}, "Must be before “to”."),
    ({"to": "2030-01-01"}, "Enter the first moment."),
])
def test_compare_explains_a_wrong_moment(story: Story, query: dict[str, str], message: str) -> None:
    html = html_of(story.client("auditor").get(reverse("plans:history-compare", args=[story.plan.pk]), query))
    assert message in html and 'aria-invalid="true"' in html and "compare-created" not in html


@pytest.mark.django_db
def test_compare_reads_typed_moments_in_the_clusters_zone(story: Story) -> None:
    """08:30 typed in Tucumán is 11:30 UTC: an event at 11:29 UTC is before it, one at 11:31 after."""
    from plans.web.audit.compare import parse_moment

    zone = story.plan.cluster.time_zone
    import zoneinfo

    moment = parse_moment("2012-09-21T08:30", zoneinfo.ZoneInfo(zone))
    assert moment == dt.datetime(2012, 9, 21, 11, 30, tzinfo=dt.UTC)
    assert parse_moment("2012-09-21T08:30:00 00:00", zoneinfo.ZoneInfo(zone)) == dt.datetime(
        2012, 9, 21, 8, 30, tzinfo=dt.UTC)  # an offset's "+" that arrived as a space
    assert parse_moment("2012-09-21", zoneinfo.ZoneInfo(zone), end_of_day=True) == dt.datetime(
        2012, 9, 22, 2, 59, 59, 999999, tzinfo=dt.UTC)


# --- verify and downloads ----------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_runs_on_post_and_shows_the_head_to_publish(story: Story) -> None:
    client = story.client("auditor")
    url = reverse("plans:history-verify", args=[story.plan.pk])
    head = HistoryChainHead.objects.get(chain_id=story.plan.cluster_id)
    published = f"{head.chain_id}:{head.last_seq}:{head.last_hash}"
    page = html_of(client.get(url))
    assert f'<code class="head" id="chain-head">{published}</code>' in page
    assert "verify-result" not in page  # a GET runs nothing
    assert re.search(r'<form method="post" action="[^"]+"><input type="hidden" name="csrfmiddlewaretoken"', page)
    assert f"python3 verify_export.py chain-{head.chain_id}.jsonl\n" in page
    assert f"python3 verify_export.py chain-{head.chain_id}.jsonl --anchor {published}</code>" in page

    result = html_of(client.post(url))
    assert "The chain is intact" in result and "verify-ok" in result
    events = HistoryEvent.objects.filter(chain_id=story.plan.cluster_id).count()
    assert re.search(rf"<dt>Events checked</dt><dd>{events}</dd>", result)
    assert f'id="chain-head">{published}</code>' in result


@pytest.mark.django_db
def test_verify_needs_the_csrf_token(story: Story) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(story.people.users["auditor"])
    assert client.post(reverse("plans:history-verify", args=[story.plan.pk])).status_code == 403


@pytest.mark.django_db
def test_the_downloads_check_offline_with_the_script(story: Story, tmp_path: Path) -> None:
    client = story.client("auditor")
    chain = client.get(reverse("plans:history-chain-export", args=[story.plan.pk]), {"format": "jsonl"})
    assert chain.status_code == 200
    assert chain["Content-Disposition"] == f'attachment; filename="chain-{story.plan.cluster_id}.jsonl"'
    body = b"".join(chain.streaming_content)  # type: ignore[attr-defined]
    rows = [json.loads(line) for line in body.decode().splitlines()]
    assert [r["chain_seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert len(rows) == HistoryEvent.objects.filter(chain_id=story.plan.cluster_id).count()

    plan_csv = client.get(reverse("plans:history-export", args=[story.plan.pk]), {"format": "csv"})
    lines = b"".join(plan_csv.streaming_content).decode().split("\r\n")  # type: ignore[attr-defined]
    assert lines[0].startswith("sequence,chain_id,") and len([x for x in lines[1:] if x]) == 5
    assert client.get(reverse("plans:history-export", args=[story.plan.pk]), {"format": "xml"}).status_code == 400

    script = client.get(reverse("plans:history-verify-script"))
    assert script["Content-Disposition"] == 'attachment; filename="verify_export.py"'
    (tmp_path / "verify_export.py").write_bytes(b"".join(script.streaming_content))  # type: ignore[attr-defined]
    export = tmp_path / f"chain-{story.plan.cluster_id}.jsonl"
    export.write_bytes(body)
    head = HistoryChainHead.objects.get(chain_id=story.plan.cluster_id)
    checked = subprocess.run(  # nosec B603 - our own script, our own file
        [sys.executable, "verify_export.py", export.name, "--anchor",
         f"{head.chain_id}:{head.last_seq}:{head.last_hash}"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{len(rows)} events checked: OK" in checked.stdout


# --- tampering, on SQLite and on PostgreSQL -----------------------------------------------------


@pytest.fixture
def committed_story(transactional_db: Any, settings: Any) -> Story:
    """The story committed: captured writes are final at commit (PostgreSQL's deferred
    triggers), so the raw edits below are seen as a person's outside the application."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with transaction.atomic():
        declare_application_write("test users and plans")
        people = build_world(contents="plain", slugs=("lacteo", "frutas"), extra_users=True)
    with transaction.atomic():
        return tell_story(people)


@pytest.mark.django_db(transaction=True)
def test_a_raw_edit_of_a_milestones_title_shows_on_the_workbench(committed_story: Story) -> None:
    story = committed_story
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE projects_milestone SET title = %s WHERE id = %s",
                       ["Título cambiado", story.milestone.pk])
    client = story.client("auditor")
    timeline_url = reverse("plans:history", args=[story.plan.pk])
    events_before = HistoryEvent.objects.count()
    waiting = html_of(client.get(timeline_url))
    assert "1 change made outside the application is waiting to be sealed" in waiting
    assert HistoryEvent.objects.count() == events_before  # reading seals nothing

    result = html_of(client.post(reverse("plans:history-verify", args=[story.plan.pk])))
    sealed = HistoryEvent.objects.get(object_type="projects.milestone", object_id=story.milestone.pk, outside_app=True)
    assert sealed.source == Source.DATABASE and sealed.changes == {"title": ["Estudio de mercado", "Título cambiado"]}
    assert "The chain is intact" in result
    link = f'{timeline_url}?before={sealed.pk + 1}#event-{sealed.pk}'
    assert re.search(rf'<dt>Changes made outside the application</dt><dd>1 \(latest: <a href="{re.escape(link)}">'
                     rf"event #{sealed.pk}</a>\)</dd>", result)

    html = html_of(client.get(link.split("#")[0]))
    block = event_block(html, sealed)
    assert "Made outside the application" in block and "through: database (outside the application)" in block
    assert ('<th scope="row">Title</th><td class="old">Estudio de mercado</td>'
            '<td class="new">Título cambiado</td>') in block
    assert "Captured at the database" in block and "waiting to be sealed" not in html
    only_outside = html_of(client.get(timeline_url, {"source": "database"}))
    assert re.findall(r'id="event-(\d+)"', only_outside) == [str(sealed.pk)]


@pytest.mark.django_db(transaction=True)
def test_an_edited_history_event_shows_where_the_chain_breaks(committed_story: Story) -> None:
    story = committed_story
    created = HistoryEvent.objects.get(object_type="projects.milestone", object_id=story.milestone.pk, action="create")
    with as_attacker() as cursor:
        cursor.execute("UPDATE plans_historyevent SET changes = %s WHERE id = %s",
                       [canonical_json({**created.changes, "title": [None, "Otro título"]}), created.pk])
    result = html_of(story.client("auditor").post(reverse("plans:history-verify", args=[story.plan.pk])))
    assert "The chain does not hold" in result and "verify-broken" in result
    assert "An event&#x27;s content was changed" in result or "An event's content was changed" in result
    assert "<code>hash_mismatch</code>" in result
    link = f'{reverse("plans:history", args=[story.plan.pk])}?before={created.pk + 1}#event-{created.pk}'
    assert f'<a href="{link}">event #{created.pk}</a>, position {created.chain_seq}' in result


@pytest.mark.django_db
def test_a_global_auditor_verifies_any_clusters_chain_and_others_only_their_own(people: World) -> None:
    other = ClusterFactory.create(slug="otro")
    plan = PlanFactory.create(cluster=other, title="PMC otro")
    people.users["auditor-otro"] = UserFactory.create(username="auditor-otro")
    RoleAssignmentFactory.create(user=people.users["auditor-otro"], cluster=other, role=Role.AUDITOR)
    for who, dairy, others in (("global_auditor", 200, 200), ("auditor-otro", 404, 200), ("auditor", 200, 404)):
        client = people.browser(who)
        assert client.post(reverse("plans:history-verify", args=[people.own.plan.pk])).status_code == dairy, who
        assert client.post(reverse("plans:history-verify", args=[plan.pk])).status_code == others, who


def test_a_date_alone_ends_at_the_end_of_its_day_for_the_upper_bound() -> None:
    """The API's and the pages' `until=2012-09-21` covers the whole day (it once ended at 00:00)."""
    from django.utils import timezone

    from plans.audit.timeline import parse_instant

    day = dt.date(2012, 9, 21)
    end = parse_instant(day.isoformat(), "until", end_of_day=True)
    start = parse_instant(day.isoformat(), "since")
    assert end == timezone.make_aware(dt.datetime.combine(day, dt.time.max)).astimezone(dt.UTC)
    assert start == timezone.make_aware(dt.datetime.combine(day, dt.time.min)).astimezone(dt.UTC)
