"""The plan report (`projects:plan-report`, `…-pdf`): role by role, its figures against the
plan page's selectors, the PDF's text read back with pypdf, the as-of report rebuilt from the
history, the URL fetcher that keeps WeasyPrint off the network, and a flat query count."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from plans.access import forget_access
from plans.models import Forum, ForumAttendance, HistoryChainHead, HistoryEvent, Plan, Role, Source
from plans.services import plans as plan_services
from plans.services.history import Actor
from plans.templatetags.pmc import money
from projects import selectors
from projects.services import funding as funding_services
from projects.services import projects as project_services
from projects.web.report import RefusedURL, static_fetcher
from tests import factories as f
from tests.demo_data import demo_loaded
from tests.projects.web import worlds
from tests.projects.web.worlds import PlanWorld, add_projects

plan_world = worlds.plan_world
TUCUMAN = ZoneInfo("America/Argentina/Tucuman")


def url(plan: Plan, *, pdf: bool = False, **query: Any) -> str:
    path = reverse("projects:plan-report-pdf" if pdf else "projects:plan-report", kwargs={"plan_id": plan.pk})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def pdf_text(content: bytes) -> str:
    """The PDF's text with its spacing made plain (pypdf may break lines or use no-break spaces)."""
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def head_anchor(cluster_id: int) -> str:
    head = HistoryChainHead.objects.get(chain_id=cluster_id)
    return f"{head.chain_id}:{head.last_seq}:{head.last_hash}"


def service_history(world: PlanWorld) -> None:
    """One change through a service, so the cluster's chain has a head to print."""
    funding_services.expenditure_record(
        funding_line_id=world.project.funding_lines.get().pk, actor=Actor.system(Source.COMMAND),
        amount=Decimal("50.00"), spent_on=timezone.localdate(), description="Certificado 1",
    )


# --- Who may read it ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "coordinator", "stakeholder", "auditor"])
def test_every_reader_of_the_plan_gets_the_report_and_no_write_control(plan_world: PlanWorld, who: str) -> None:
    response = plan_world.client(who).get(url(plan_world.plan))

    assert response.status_code == 200
    main = main_of(response.content.decode())
    assert "PMC Lácteo" in main and "Laboratorio de calidad" in main
    assert 'method="post"' not in main and "csrfmiddlewaretoken" not in main  # a read, for everyone


def test_another_clusters_plan_is_not_found(plan_world: PlanWorld) -> None:
    assert plan_world.client("coordinator_b").get(url(plan_world.plan)).status_code == 404
    assert plan_world.client("coordinator_b").get(url(plan_world.plan, pdf=True)).status_code == 404
    assert plan_world.client("auditor").get(url(plan_world.plan_b, as_of="2020-01-01")).status_code == 404


def test_anonymous_is_sent_to_log_in_and_a_post_is_refused(plan_world: PlanWorld) -> None:
    assert plan_world.client(None).get(url(plan_world.plan)).status_code == 302
    assert plan_world.client(None).get(url(plan_world.plan, pdf=True)).status_code == 302
    assert plan_world.client("coordinator").post(url(plan_world.plan)).status_code == 405
    assert plan_world.client("coordinator").post(url(plan_world.plan, pdf=True)).status_code == 405


def test_the_as_of_report_is_for_those_who_read_the_history(plan_world: PlanWorld) -> None:
    day = timezone.localdate().isoformat()
    stakeholder = plan_world.client("stakeholder")

    assert stakeholder.get(url(plan_world.plan, as_of=day)).status_code == 403
    assert stakeholder.get(url(plan_world.plan, pdf=True, as_of=day)).status_code == 403
    assert 'name="as_of"' not in main_of(stakeholder.get(url(plan_world.plan)).content.decode())
    for who in ("coordinator", "auditor", "admin"):
        response = plan_world.client(who).get(url(plan_world.plan, as_of=day))
        assert response.status_code == 200, who
        assert 'name="as_of"' in main_of(response.content.decode())


def test_a_bad_or_future_date_is_explained_on_the_page(plan_world: PlanWorld) -> None:
    auditor = plan_world.client("auditor")
    bad = auditor.get(url(plan_world.plan, as_of="ayer"))
    future = auditor.get(url(plan_world.plan, as_of=(timezone.localdate() + dt.timedelta(days=2)).isoformat()))

    assert bad.status_code == 400 and "is not a valid date" in bad.content.decode()
    assert future.status_code == 400 and "not the future" in future.content.decode()
    assert auditor.get(url(plan_world.plan, pdf=True, as_of="ayer")).status_code == 400


def test_the_plan_nav_links_to_the_report_and_its_pdf(plan_world: PlanWorld) -> None:
    html = plan_world.client("stakeholder").get(reverse("projects:plan", kwargs={"plan_id": plan_world.plan.pk}))
    nav = html.content.decode().split('class="plan-nav"', 1)[1].split("</nav>", 1)[0]

    assert url(plan_world.plan) in nav and url(plan_world.plan, pdf=True) in nav


# --- What it shows -----------------------------------------------------------------------------


def test_the_money_table_has_the_plan_pages_figures(plan_world: PlanWorld) -> None:
    f.FundingLineFactory.create(project=plan_world.project, source="private", currency="USD",
                                budget=Decimal("300.00"), executed=Decimal("120.50"))
    html = main_of(plan_world.client("coordinator").get(url(plan_world.plan)).content.decode())
    section = html.split('id="r-money"', 1)[1].split("</section>", 1)[0]

    blocks = selectors.plan_money(plan_world.plan.pk)  # the plan page's selector
    assert [b["currency"] for b in blocks] == ["ARS", "USD"]
    with translation.override("en"):
        for block in blocks:
            for row in [*block["sources"], block["total"]]:
                for key in ("budget", "executed", "pending"):
                    assert money(row[key], block["currency"]) in section
    assert money(Decimal("750.00"), "ARS") in section  # 1000 budgeted - 250 executed on the grant line


def test_it_lists_phases_projects_forums_agreements_indicators_and_overdue_milestones(plan_world: PlanWorld) -> None:
    forum = f.ForumFactory.create(plan=plan_world.plan, title="Foro de diagnóstico", status=Forum.Status.HELD,
                                minutes="Acta")
    for _ in range(3):
        f.ForumAttendanceFactory.create(forum=forum, organization=f.OrganizationFactory.create(cluster=plan_world.a))
    f.ForumAttendanceFactory.create(forum=forum, organization=None,
                                    stakeholder=f.StakeholderFactory.create(cluster=plan_world.a))
    agreement = f.AgreementFactory.create(plan=plan_world.plan, title="Adoptar ejes", status="adopted",
                                          tally={"agree": 7, "abstain": 1, "disagree": 2, "block": 0},
                                          decided_at=timezone.now())
    f.IndicatorFactory.create(plan=plan_world.plan, name="Leche procesada", baseline_value=Decimal("50000"),
                              target_value=Decimal("150000"))

    html = main_of(plan_world.client("auditor").get(url(plan_world.plan)).content.decode())

    assert "Diagnóstico" in html and "Estrategia" in html
    assert "E1 Calidad de leche" in html and "P-01" in html
    forum_row = html.split("Foro de diagnóstico", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'class="num">(\d+)</td>', forum_row) == [
        str(ForumAttendance.objects.filter(forum=forum, organization__isnull=False).count()),
        str(ForumAttendance.objects.filter(forum=forum, stakeholder__isnull=False).count()),
    ]
    agreement_row = html.split(agreement.title, 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'class="num">(\d+)</td>', agreement_row) == ["7", "1", "2", "0"]
    assert "Leche procesada" in html and "150000" in html.replace(".", "").replace(",", "")
    overdue = html.split('id="r-overdue"', 1)[1].split("</section>", 1)[0]
    assert "Equipar el laboratorio" in overdue and "Ana Ruiz" in overdue and "Primer muestreo" not in overdue


def test_the_footer_names_the_chain_head_and_when_it_was_produced(plan_world: PlanWorld) -> None:
    service_history(plan_world)
    html = plan_world.client("auditor").get(url(plan_world.plan)).content.decode()

    footer = html.split('class="report-footer"', 1)[1]
    assert head_anchor(plan_world.a.pk) in footer
    assert f"verify_history --anchor {head_anchor(plan_world.a.pk)}" in footer
    assert "Produced on" in footer


def test_the_pdf_says_what_the_plan_page_says(plan_world: PlanWorld) -> None:
    service_history(plan_world)
    add_projects(plan_world.plan, 3, 2)
    response = plan_world.client("auditor").get(url(plan_world.plan, pdf=True))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="pmc-lacteo-')
    text = pdf_text(response.content)
    assert "PMC Lácteo" in text and "Clúster Lácteo de Tucumán" in text
    projects = Plan.objects.get(pk=plan_world.plan.pk).projects.count()
    assert re.search(rf"Projects\s*{projects}\b", text), text[:600]
    with translation.override("en"):
        for block in selectors.plan_money(plan_world.plan.pk):
            for row in [*block["sources"], block["total"]]:
                for key in ("budget", "executed", "pending"):
                    assert flat(money(row[key], block["currency"])) in flat(text), (block["currency"], key)
    assert head_anchor(plan_world.a.pk) in flat(text)  # in the footer (a long line may wrap)


def test_the_pdf_follows_the_language_of_the_reader(plan_world: PlanWorld) -> None:
    client = Client(headers={"accept-language": "es"})
    forget_access(plan_world.users["coordinator"])
    client.force_login(plan_world.users["coordinator"])

    text = pdf_text(client.get(url(plan_world.plan, pdf=True)).content)

    with translation.override("es"):
        assert flat(money(Decimal("750.00"), "ARS")) in flat(text)  # "$ 750,00"


# --- WeasyPrint fetches nothing from the network -------------------------------------------------


def test_the_fetcher_serves_our_static_files_and_refuses_every_other_url() -> None:
    fetch = static_fetcher("http://testserver/")

    css = fetch("http://testserver/static/projects/report.css")
    assert b"@page" in css.read() and css.content_type == "text/css"
    for refused in ("https://fonts.example.org/font.woff2", "http://other.example/static/pmc/site.css",
                    "file:///etc/passwd", "http://testserver/static/../../config/settings.py",
                    "http://testserver/static/%2e%2e/%2e%2e/manage.py", "http://testserver/plans/1/",
                    "http://testserver/static/pmc/missing.css"):
        with pytest.raises(RefusedURL):
            fetch(refused)


def test_a_pdf_with_an_outside_resource_is_still_made_without_fetching_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.request

    from projects.web.report import render_pdf

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("WeasyPrint tried the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    html = ('<html><head><link rel="stylesheet" href="https://cdn.example.org/x.css">'
            '<link rel="stylesheet" href="/static/projects/report.css"></head>'
            '<body><img src="http://example.org/logo.png" alt="logo"><p>Informe</p></body></html>')
    pdf = render_pdf(html, base_url="http://testserver/")
    assert pdf.startswith(b"%PDF") and "Informe" in pdf_text(pdf)


def test_without_pango_the_pdf_link_answers_503_with_the_printable_page(
    plan_world: PlanWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projects.web import report

    def missing(*args: Any, **kwargs: Any) -> bytes:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(report, "render_pdf", missing)
    response = plan_world.client("coordinator").get(url(plan_world.plan, pdf=True))

    assert response.status_code == 503 and response["Content-Type"].startswith("text/html")
    html = main_of(response.content.decode())
    assert "PDF cannot be made" in html and "Laboratorio de calidad" in html


# --- As of a moment ------------------------------------------------------------------------------


def history_plan(world: PlanWorld) -> Plan:
    """A second plan of cluster A made through the services, so its history can be replayed."""
    return plan_services.plan_create(cluster_id=world.a.pk, actor=Actor.system(Source.COMMAND), title="PMC Historia")


def test_the_as_of_report_shows_the_money_executed_by_then(plan_world: PlanWorld) -> None:
    actor = Actor.system(Source.COMMAND)
    start = timezone.now() - dt.timedelta(days=10)
    with time_machine.travel(start, tick=False):
        plan = history_plan(plan_world)
        project = project_services.project_create(plan_id=plan.pk, actor=actor, code="H-01",
                                                  title="Sala de maduración", category="infrastructure")
        line = funding_services.funding_line_create(project_id=project.pk, actor=actor, source="provincial",
                                                    currency="ARS", budget=Decimal("900.00"))
        funding_services.expenditure_record(funding_line_id=line.pk, actor=actor, amount=Decimal("100.00"),
                                            spent_on=timezone.localdate(), description="Anticipo")
    with time_machine.travel(start + dt.timedelta(days=5), tick=False):
        funding_services.expenditure_record(funding_line_id=line.pk, actor=actor, amount=Decimal("300.00"),
                                            spent_on=timezone.localdate(), description="Certificado")
    between = timezone.localdate(start + dt.timedelta(days=2)).isoformat()

    auditor = plan_world.client("auditor")
    then = main_of(auditor.get(url(plan, as_of=between)).content.decode())
    now = main_of(auditor.get(url(plan)).content.decode())

    def provincial(html: str) -> list[str]:
        money_section = html.split('id="r-money"', 1)[1].split("</section>", 1)[0]
        row = money_section.split("Provincial counterpart", 1)[1].split("</tr>", 1)[0]
        return re.findall(r'class="num">([^<]+)</td>', row)

    with translation.override("en"):
        assert provincial(then) == [money(v, "ARS") for v in (Decimal("900"), Decimal("100"), Decimal("800"))]
        assert provincial(now) == [money(v, "ARS") for v in (Decimal("900"), Decimal("400"), Decimal("500"))]
    assert "rebuilt from its history" in then and "Sala de maduración" in then
    before = main_of(auditor.get(url(plan, as_of=(start - dt.timedelta(days=1)).date().isoformat())).content.decode())
    assert "did not exist yet" in before and 'id="r-money"' not in before


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Plan]:
    """The demo, loaded once for the module's as-of tests and rolled back after the last."""
    with demo_loaded(django_db_blocker):
        yield Plan.objects.get(cluster__slug="lacteo-tucuman")


def demo_client(username: str) -> Client:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    forget_access(user)
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_demo_as_of_the_day_after_its_launch_forum(demo: Plan) -> None:
    response = demo_client("auditor").get(url(demo, pdf=True, as_of="2012-09-21"))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-2012-09-21.pdf"')
    text = pdf_text(response.content)
    end_of_day = dt.datetime(2012, 9, 21, 23, 59, 59, 999999, tzinfo=TUCUMAN)
    last = HistoryEvent.objects.filter(chain_id=demo.cluster_id, occurred_at__lte=end_of_day).latest("chain_seq")
    assert f"{demo.cluster_id}:{last.chain_seq}:{last.hash}" in flat(text)
    assert last.chain_seq < HistoryChainHead.objects.get(chain_id=demo.cluster_id).last_seq  # not today's head
    assert re.search(r"Foro de lanzamiento\s+completed", text) and re.search(r"Diagnóstico\s+active", text)
    assert "Plan progress 0 %" in text  # recomputed from the milestones of the moment: none yet
    assert "Projects 0" in text and "No overdue milestones." in text  # the early actions came later
    forum = Forum.objects.get(plan=demo, title__contains="Lanzamiento")
    present = ForumAttendance.objects.filter(forum=forum, organization__isnull=False).count()
    assert re.search(rf"held\s*{present}\s*1\b", text), text.split("Forums and attendance", 1)[1][:400]


@pytest.mark.django_db
def test_the_demo_as_of_shows_the_launch_done_and_the_diagnosis_under_way(demo: Plan) -> None:
    html = main_of(demo_client("auditor").get(url(demo, as_of="2012-09-21")).content.decode())

    phases = html.split('id="r-phases"', 1)[1].split("</table>", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"<th scope=\"row\">\d+\. ([^<]+)</th><td>(.*?)</td>", phases)}
    statuses = {title: re.sub(r"<[^>]+>", "", cell) for title, cell in rows.items()}
    launch = next(t for t in statuses if "anzamiento" in t or "aunch" in t)
    diagnosis = next(t for t in statuses if "iagn" in t)
    assert statuses[launch] == "completed" and statuses[diagnosis] == "active"


@pytest.mark.django_db
def test_a_stakeholder_of_the_demo_reads_the_live_report_only(demo: Plan) -> None:
    client = demo_client("stakeholder")
    assert client.get(url(demo)).status_code == 200
    assert client.get(url(demo, as_of="2012-09-21")).status_code == 403


# --- Cost ------------------------------------------------------------------------------------------


def _queries(world: PlanWorld, django_assert_max_num_queries: Any, bound: int, plan: Plan | None = None,
             **query: Any) -> int:
    client = world.client("coordinator")
    client.get(url(plan or world.plan, **query))  # warm: session, caches
    with django_assert_max_num_queries(bound) as captured:
        response = client.get(url(plan or world.plan, **query))
        assert response.status_code == 200 and 'id="r-money"' in response.content.decode()
    return len(captured.captured_queries)


QUERY_BOUND = 25


def test_the_html_reports_query_count_is_flat_in_the_plans_size(
    plan_world: PlanWorld, django_assert_max_num_queries: Any
) -> None:
    add_projects(plan_world.plan, 2, 3)
    small = _queries(plan_world, django_assert_max_num_queries, QUERY_BOUND)
    add_projects(plan_world.plan, 12, 6)
    for forum_of in range(3):
        forum = f.ForumFactory.create(plan=plan_world.plan, title=f"Foro {forum_of}")
        f.ForumAttendanceFactory.create(forum=forum, organization=f.OrganizationFactory.create(cluster=plan_world.a))
    large = _queries(plan_world, django_assert_max_num_queries, QUERY_BOUND)

    assert small == large, f"{small} queries with 3 projects, {large} with 15"


def test_the_as_of_reports_query_count_is_flat_too(plan_world: PlanWorld, django_assert_max_num_queries: Any) -> None:
    actor = Actor.system(Source.COMMAND)
    day = timezone.localdate().isoformat()
    plan = history_plan(plan_world)
    project_services.project_create(plan_id=plan.pk, actor=actor, code="H-01", title="Uno", category="training")
    small = _queries(plan_world, django_assert_max_num_queries, QUERY_BOUND, plan=plan, as_of=day)
    for n in range(2, 12):
        project = project_services.project_create(plan_id=plan.pk, actor=actor, code=f"H-{n:02d}", title="Otro",
                                                  category="training")
        funding_services.funding_line_create(project_id=project.pk, actor=actor, source="private", currency="USD",
                                             budget=Decimal("10.00"))
    large = _queries(plan_world, django_assert_max_num_queries, QUERY_BOUND, plan=plan, as_of=day)

    assert small == large


def test_the_report_roles_follow_the_permissions_modules() -> None:
    from plans.permissions import HISTORY
    from projects.permissions import DASHBOARD
    from projects.web.report import AS_OF_ROLES

    assert HISTORY.read == AS_OF_ROLES and Role.STAKEHOLDER not in AS_OF_ROLES
    assert Role.STAKEHOLDER in DASHBOARD.read
