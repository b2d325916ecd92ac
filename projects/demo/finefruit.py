"""The northern Patagonia fine-fruit cluster: an approved plan in execution.

Public facts: Neuquén, Río Negro and Chubut; about 170 producers on 220 ha; 3 strategic
lines; CORFO Chubut executed several funded projects and tendered cold rooms; ARS 1,185,000
executed and ARS 578,000 pending. Producers, people and dates are sample data, dated
relative to `today` so that overdue and due-soon milestones exist whenever it is loaded.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from plans.models import Agreement, Organization, Phase
from plans.services import agreements as agreement_services
from plans.services import clusters as cluster_services
from plans.services import forums as forum_services
from plans.services import phases as phase_services
from plans.services import plans as plan_services
from plans.services.history import Actor
from projects.models import Project
from projects.services import funding as funding_services
from projects.services import indicators as indicator_services
from projects.services import projects as project_services

from .finefruit_projects import PROJECTS, add_milestones

SLUG = "frutas-finas-norpatagonia"
TZ = ZoneInfo("America/Argentina/Salta")  # Patagonia keeps Argentina's single offset
CORFO = "CORFO Chubut"
LINES = (
    ("L1", "Calidad, sanidad y tecnología de la producción"),
    ("L2", "Promoción y comercialización de las frutas finas patagónicas"),
    ("L3", "Fortalecimiento institucional e infraestructura compartida"),
)
# The consensus phases the plan went through before execution, with their forum's offset in days.
COMPLETED_PHASES = (
    (Phase.Kind.LAUNCH, -900), (Phase.Kind.DIAGNOSIS, -840), (Phase.Kind.STRATEGY, -780),
    (Phase.Kind.PROJECT_FORMULATION, -700), (Phase.Kind.VALIDATION, -640), (Phase.Kind.INSTITUTIONALISATION, -600),
)
PHASE_SUBJECT = {
    Phase.Kind.STRATEGY: Agreement.Subject.ADOPT_STRATEGIC_LINES,
    Phase.Kind.PROJECT_FORMULATION: Agreement.Subject.PRIORITISE_PROJECTS,
    Phase.Kind.VALIDATION: Agreement.Subject.VALIDATE_PLAN,
}
PATH = {  # the moves from idea to each final status
    "idea": (), "formulated": ("formulated",), "prioritised": ("formulated", "prioritised"),
    "approved": ("formulated", "prioritised", "approved"),
    "in_execution": ("formulated", "prioritised", "approved", "in_execution"),
    "completed": ("formulated", "prioritised", "approved", "in_execution"),
    "suspended": ("formulated", "prioritised", "approved", "in_execution", "suspended"),
    "cancelled": ("cancelled",),
}


def _members(cluster_id: int, actor: Actor) -> list[Organization]:
    orgs = [
        cluster_services.organization_create(
            cluster_id=cluster_id, actor=actor, name=f"Productor frutas finas muestra {n:02d}",
            kind=Organization.Kind.PRIMARY_PRODUCER, chain_link=Organization.ChainLink.PRIMARY_PRODUCTION,
            locality=("El Bolsón", "Lago Puelo", "Trevelin", "San Martín de los Andes")[n % 4], is_sample=True,
        )
        for n in range(1, 13)
    ]
    orgs.append(cluster_services.organization_create(
        cluster_id=cluster_id, actor=actor, name=CORFO, kind=Organization.Kind.PUBLIC_AGENCY,
        chain_link=Organization.ChainLink.SUPPORT, locality="Rawson",
    ))
    orgs.append(cluster_services.organization_create(
        cluster_id=cluster_id, actor=actor, name="Asociación ad hoc Frutas Finas Norpatagonia (muestra)",
        kind=Organization.Kind.SUPPORT_INSTITUTION, chain_link=Organization.ChainLink.SUPPORT,
        locality="El Bolsón", is_sample=True,
    ))
    orgs.append(cluster_services.organization_create(
        cluster_id=cluster_id, actor=actor, name="Procesadora de frutas finas muestra",
        kind=Organization.Kind.MEDIUM_INDUSTRY, chain_link=Organization.ChainLink.INDUSTRY,
        locality="El Hoyo", is_sample=True,
    ))
    return orgs


def _run_phases(plan_id: int, orgs: list[Organization], actor: Actor, today: dt.date) -> None:
    phases = {p.kind: p for p in Phase.objects.filter(plan_id=plan_id)}
    for n, (kind, offset) in enumerate(COMPLETED_PHASES, start=1):
        phase = phases[kind]
        phase_services.phase_start(phase_id=phase.pk, actor=actor)
        starts = dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(9, 0), tzinfo=TZ)
        forum = forum_services.forum_schedule(
            phase_id=phase.pk, actor=actor, title=f"Foro {n} — {phase.title}", starts_at=starts,
            ends_at=starts + dt.timedelta(hours=4), venue="Salón comunitario (muestra)", address="El Bolsón",
            organizer="Coordinación del Cluster Norpatagónico de Frutas Finas",
        )
        for org in orgs[n - 1:n + 7]:
            forum_services.attendance_add(forum_id=forum.pk, actor=actor, organization_id=org.pk)
        forum_services.forum_hold(forum_id=forum.pk, minutes=f"Acta de muestra del foro {n}.", actor=actor)
        agreement = agreement_services.agreement_create(
            plan_id=plan_id, actor=actor, title=f"Acuerdo del foro {n}: {phase.title}", forum_id=forum.pk,
            subject=PHASE_SUBJECT.get(kind, Agreement.Subject.CLOSE_PHASE), rule=Agreement.Rule.FORUM_CONSENSUS,
        )
        agreement_services.agreement_close(agreement_id=agreement.pk, actor=actor)
        phase_services.phase_complete(phase_id=phase.pk, agreement_id=agreement.pk, actor=actor)
    phase_services.phase_start(phase_id=phases[Phase.Kind.EXECUTION].pk, actor=actor)


def build(*, actor: Actor, today: dt.date) -> None:
    cluster = cluster_services.cluster_create(
        actor=actor, name="Cluster Norpatagónico de Frutas Finas", slug=SLUG, sector="Frutas finas",
        province="Neuquén, Río Negro y Chubut", localities="Comarca andina del paralelo 42; valles cordilleranos",
        description="Unos 170 productores de frutas finas sobre unas 220 ha en la Patagonia norte.",
        programme="PROSAP - Iniciativas de Desarrollo de Clusters (IDC)", time_zone="America/Argentina/Salta",
    )
    for name, value, unit in (("Productores", Decimal("170"), "productores"),
                              ("Superficie cultivada", Decimal("220"), "ha")):
        cluster_services.key_figure_set(cluster_id=cluster.pk, actor=actor, name=name, value=value, unit=unit)
    orgs = _members(cluster.pk, actor)
    by_name = {o.name: o for o in orgs}
    people = [
        cluster_services.stakeholder_create(
            cluster_id=cluster.pk, actor=actor, name=f"Responsable técnico muestra {n}",
            email=f"tecnico{n}.frutasfinas@example.org", organization=orgs[n], is_sample=True,
        )
        for n in range(1, 4)
    ]

    plan = plan_services.plan_create(
        cluster_id=cluster.pk, actor=actor,
        title="Plan de Mejora Competitiva del Cluster Norpatagónico de Frutas Finas",
        vision="Frutas finas patagónicas reconocidas por su calidad, con infraestructura y comercialización "
               "compartidas por todos los productores.",
        grant_amount=Decimal("1763000"), grant_currency="ARS",
    )
    lines = {code: plan_services.strategic_line_create(plan_id=plan.pk, actor=actor, code=code, title=title,
                                                        order=n)
             for n, (code, title) in enumerate(LINES, start=1)}
    plan_services.plan_transition(plan_id=plan.pk, to="formulation", actor=actor)
    _run_phases(plan.pk, orgs, actor, today)
    for to in ("validated", "approved", "in_execution"):
        plan_services.plan_transition(plan_id=plan.pk, to=to, actor=actor)

    indicator = indicator_services.indicator_create(
        plan_id=plan.pk, actor=actor, name="Superficie cultivada", unit="ha", baseline_value=Decimal("220"),
        baseline_date=today - dt.timedelta(days=900), target_value=Decimal("300"),
        target_date=today + relativedelta(years=1),
    )
    indicator_services.measurement_record(indicator_id=indicator.pk, actor=actor,
                                          measured_on=today - dt.timedelta(days=30), value=Decimal("246"))

    for spec in PROJECTS:
        project = project_services.project_create(
            plan_id=plan.pk, actor=actor, code=spec["code"], title=spec["title"], category=spec["category"],
            strategic_line=lines[spec["line"]], objective=spec.get("objective", ""),
            executing_body=CORFO if spec.get("corfo") else spec.get("body", ""),
            executing_organization=by_name[CORFO] if spec.get("corfo") else None,
            planned_start=today + dt.timedelta(days=spec.get("start", -500)),
            planned_end=today + dt.timedelta(days=spec.get("end", 200)),
        )
        for org in orgs[spec.get("beneficiaries", slice(0, 4))]:
            project_services.beneficiary_add(project_id=project.pk, organization_id=org.pk, actor=actor)
        for source, budget, spent in spec.get("funding", ()):
            line = funding_services.funding_line_create(
                project_id=project.pk, actor=actor, source=source, currency="ARS", budget=Decimal(budget),
                description="Licitada por CORFO Chubut" if spec.get("corfo") else "",
            )
            # Spent in two instalments, the last one a month ago.
            for part, days_ago in ((Decimal(spent) * 6 / 10, 200), (Decimal(spent) * 4 / 10, 30)):
                if part > 0:
                    funding_services.expenditure_record(
                        funding_line_id=line.pk, actor=actor, amount=part.quantize(Decimal("0.01")),
                        spent_on=today - dt.timedelta(days=days_ago), description="Certificado de avance (muestra)",
                    )
        status = spec["status"]
        for to in PATH[status]:
            reason = "Decisión de la asociación (muestra)." if to in ("suspended", "cancelled") else ""
            project_services.project_transition(project_id=project.pk, to=to, actor=actor, reason=reason)
            if to == "in_execution":
                add_milestones(project, spec, people, actor, today)
        if status == Project.Status.COMPLETED:
            project_services.project_transition(project_id=project.pk, to="completed", actor=actor)
