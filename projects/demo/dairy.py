"""The Tucumán dairy cluster of the seed: its figures, members, and a plan in diagnosis
with two early actions (sample projects, see dairy_projects.py).

Facts (figures, counts, the launch forum, its venue and organizer) come from the seed's
2012 invitation; names of individual producers and firms are invented and marked sample.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from plans.models import Agreement, Cluster, Organization, Phase, Plan
from plans.services import agreements as agreement_services
from plans.services import clusters as cluster_services
from plans.services import forums as forum_services
from plans.services import phases as phase_services
from plans.services import plans as plan_services
from plans.services.history import Actor, recorded_at

from . import dairy_projects

SLUG = "lacteo-tucuman"
TZ = ZoneInfo("America/Argentina/Tucuman")
STAKEHOLDER_EMAIL = "stakeholder@example.org"  # the demo login's own address
ORGANIZER = "Coordinación Cluster Lácteo de Tucumán"

# (kind, count, name pattern, locality) — the member counts of the seed.
SAMPLE_MEMBERS = (
    (Organization.Kind.PRIMARY_PRODUCER, 45, "Tambo muestra {:02d}", ("Trancas", "Tafí del Valle")),
    (Organization.Kind.ARTISANAL_INDUSTRY, 18, "Quesería artesanal muestra {:02d}", ("Trancas", "Tafí del Valle")),
    (Organization.Kind.MEDIUM_INDUSTRY, 3, "Industria láctea mediana muestra {:02d}", ("San Miguel de Tucumán",)),
)
# Institutions named in the seed (not sample), completed to about 11 with sample ones.
INSTITUTIONS = (
    "Mesa de Lechería Provincial",
    "IDEP Tucumán",
    "PROSAP - Componente Iniciativas de Desarrollo de Clusters",
    "Sociedad Rural de Tucumán",
)
SAMPLE_INSTITUTIONS = 11 - len(INSTITUTIONS)
KEY_FIGURES = (
    ("Producción de leche cruda", Decimal("75000"), "l/día"),
    ("Leche procesada en la provincia", Decimal("50000"), "l/día"),
    ("Consumo local", Decimal("500000"), "l/día"),
)
# The moments of the 2012 story the history records (projects.demo is loaded years later).
STARTED_AT = dt.datetime(2012, 7, 2, 10, 0, tzinfo=TZ)  # the cluster formally started in July 2012
LAUNCH_STARTED_AT = dt.datetime(2012, 7, 2, 12, 0, tzinfo=TZ)  # its plan's first phase began that day
INVITED_AT = dt.datetime(2012, 9, 3, 10, 0, tzinfo=TZ)  # the invitation of the seed went out
LAUNCH_AT = dt.datetime(2012, 9, 20, 8, 30, tzinfo=TZ)
LAUNCH_CLOSED_AT = dt.datetime(2012, 9, 20, 12, 30, tzinfo=TZ)
DIAGNOSIS_PLANNED_END = dt.date(2012, 12, 21)  # as planned in 2012; moved to the demo's present on load
LAUNCH_AGENDA = (
    "Presentación de la Iniciativa de Desarrollo del Cluster Lácteo de Tucumán ante productores, "
    "empresarios, funcionarios y técnicos; presentación del plan de trabajo para formular de manera "
    "consensuada el Plan de Mejora Competitiva."
)
LAUNCH_MINUTES = (
    "Se presentó la iniciativa y el plan de trabajo del Plan de Mejora Competitiva. Los presentes "
    "acordaron iniciar el diagnóstico del sector con el Equipo Técnico. (Acta de muestra.)"
)


def _members(cluster_id: int, actor: Actor) -> list[Organization]:
    members: list[Organization] = []
    for kind, count, pattern, localities in SAMPLE_MEMBERS:
        link = Organization.ChainLink.PRIMARY_PRODUCTION if kind == Organization.Kind.PRIMARY_PRODUCER \
            else Organization.ChainLink.INDUSTRY
        for n in range(1, count + 1):
            members.append(cluster_services.organization_create(
                cluster_id=cluster_id, actor=actor, name=pattern.format(n), kind=kind, chain_link=link,
                locality=localities[n % len(localities)], is_sample=True,
            ))
    for name in INSTITUTIONS:
        members.append(cluster_services.organization_create(
            cluster_id=cluster_id, actor=actor, name=name, kind=Organization.Kind.SUPPORT_INSTITUTION,
            chain_link=Organization.ChainLink.SUPPORT, locality="San Miguel de Tucumán",
        ))
    for n in range(1, SAMPLE_INSTITUTIONS + 1):
        members.append(cluster_services.organization_create(
            cluster_id=cluster_id, actor=actor, name=f"Institución de apoyo muestra {n:02d}",
            kind=Organization.Kind.SUPPORT_INSTITUTION, chain_link=Organization.ChainLink.SUPPORT,
            locality="San Miguel de Tucumán", is_sample=True,
        ))
    return members


def build(*, actor: Actor, today: dt.date) -> None:
    # The 2012 story is recorded at the moments it happened (clock.recorded_at), so the plan
    # can be seen as it stood on any day of it; what follows the diagnosis' start is today's.
    with recorded_at(STARTED_AT):
        cluster, members, people = _cluster_and_members(actor)
        plan, launch, diagnosis = _plan_and_phases(cluster.pk, actor)
    with recorded_at(INVITED_AT):
        forum = forum_services.forum_schedule(
            phase_id=launch.pk, actor=actor,
            title="I Foro Participativo — Lanzamiento del Cluster Lácteo de Tucumán",
            starts_at=LAUNCH_AT, ends_at=LAUNCH_AT + dt.timedelta(hours=4), venue="Sociedad Rural de Tucumán",
            address="Camino del Perú 1050, Cevil Redondo, Yerba Buena", organizer=ORGANIZER, agenda=LAUNCH_AGENDA,
        )
    _launch_forum(cluster.pk, plan.pk, forum.pk, launch.pk, diagnosis.pk, members, people, actor)

    mesa, person = people["mesa"], people["person"]
    # The diagnosis runs into the demo's present: its planned end moves with the load date.
    phase_services.phase_update(phase_id=diagnosis.pk, actor=actor, values={
        "planned_end": today + dt.timedelta(days=60),
    })
    # An open agreement of the diagnosis, with some positions already taken (consent rule).
    method = agreement_services.agreement_create(
        plan_id=plan.pk, actor=actor, title="Metodología del relevamiento de actores (muestra)",
        text="Encuesta a productores e industrias y entrevistas a instituciones, a cargo del Equipo Técnico.",
        subject=Agreement.Subject.OTHER, phase_id=diagnosis.pk,
    )
    for member, position in ((mesa, "agree"), (members[0], "agree"), (members[45], "abstain")):
        agreement_services.position_record(agreement_id=method.pk, organization_id=member.pk, position=position,
                                           actor=actor)

    # The next diagnosis workshop is tomorrow, so the forum reminder of the demo fires at once.
    workshop_at = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(8, 30), tzinfo=TZ)
    forum_services.forum_schedule(
        phase_id=diagnosis.pk, actor=actor, title="II Foro — Taller de diagnóstico (muestra)",
        starts_at=workshop_at, ends_at=workshop_at + dt.timedelta(hours=3), venue="Sociedad Rural de Tucumán",
        address="Camino del Perú 1050, Cevil Redondo, Yerba Buena", organizer=ORGANIZER,
        agenda="Actualización de datos del sector, relevamiento de actores, puntos críticos y brechas (FODA).",
    )
    dairy_projects.build(plan_id=plan.pk, members=members, people=[people["coordination"], person], actor=actor,
                         today=today)


def _cluster_and_members(actor: Actor) -> tuple[Cluster, list[Organization], dict[str, Any]]:
    cluster = cluster_services.cluster_create(
        actor=actor, name="Cluster Lácteo de Tucumán", slug=SLUG, sector="Lechería",
        province="Tucumán", localities="Trancas; Tafí del Valle",
        description=(
            "Conjunto de productores, industrias e instituciones de la cadena láctea tucumana. Impulsado por la "
            "Mesa de Lechería Provincial, con apoyo técnico y financiero del Componente IDC del PROSAP."
        ),
        programme="PROSAP - Iniciativas de Desarrollo de Clusters (IDC)",
        started_on=dt.date(2012, 7, 1),
    )
    members = _members(cluster.pk, actor)
    by_name = {m.name: m for m in members}
    mesa = by_name["Mesa de Lechería Provincial"]
    coordination = cluster_services.stakeholder_create(
        cluster_id=cluster.pk, actor=actor, name="Coordinación Cluster Lácteo (muestra)",
        email="coordinacion.muestra@example.org", organization=mesa, is_sample=True,
    )
    person = cluster_services.stakeholder_create(
        cluster_id=cluster.pk, actor=actor, name="Interesada de muestra", email=STAKEHOLDER_EMAIL,
        organization=by_name["Tambo muestra 01"], is_sample=True,
    )
    people = {"mesa": mesa, "idep": by_name["IDEP Tucumán"], "coordination": coordination, "person": person}
    return cluster, members, people


def _plan_and_phases(cluster_id: int, actor: Actor) -> tuple[Plan, Phase, Phase]:
    plan = plan_services.plan_create(
        cluster_id=cluster_id, actor=actor, title="Plan de Mejora Competitiva del Cluster Lácteo de Tucumán",
        vision="Una cadena láctea tucumana que aprovecha su potencial: más leche procesada en la provincia "
               "para un consumo local diez veces mayor que la producción.",
    )
    plan_services.plan_transition(plan_id=plan.pk, to="formulation", actor=actor)
    phases = {p.kind: p for p in Phase.objects.filter(plan=plan)}
    launch, diagnosis = phases[Phase.Kind.LAUNCH], phases[Phase.Kind.DIAGNOSIS]
    phase_services.phase_update(phase_id=launch.pk, actor=actor, values={
        "planned_start": dt.date(2012, 7, 1), "planned_end": dt.date(2012, 9, 20),
    })
    phase_services.phase_update(phase_id=diagnosis.pk, actor=actor, values={
        "planned_start": dt.date(2012, 9, 21), "planned_end": DIAGNOSIS_PLANNED_END,
    })
    with recorded_at(LAUNCH_STARTED_AT):
        phase_services.phase_start(phase_id=launch.pk, actor=actor)
    return plan, launch, diagnosis


def _launch_forum(cluster_id: int, plan_id: int, forum_id: int, launch_id: int, diagnosis_id: int,
                  members: list[Organization], people: dict[str, Any], actor: Actor) -> None:
    """20 September 2012: the forum, its attendance, the seed's figures, the minutes and the
    agreement that closes the launch and starts the diagnosis."""
    with recorded_at(LAUNCH_AT):
        # The launch drew most of the trade (a forum decides for the cluster only with its quorum present).
        present = (people["mesa"], people["idep"], *members[:30], *members[45:56])
        for member in {m.pk: m for m in present}.values():
            forum_services.attendance_add(forum_id=forum_id, actor=actor, organization_id=member.pk)
        forum_services.attendance_add(forum_id=forum_id, actor=actor, stakeholder_id=people["person"].pk)
        for name, value, unit in KEY_FIGURES:  # presented at the forum
            cluster_services.key_figure_set(
                cluster_id=cluster_id, actor=actor, name=name, value=value, unit=unit, as_of=LAUNCH_AT.date()
            )
    with recorded_at(LAUNCH_CLOSED_AT):
        forum_services.forum_hold(forum_id=forum_id, minutes=LAUNCH_MINUTES, actor=actor)
        agreement = agreement_services.agreement_create(
            plan_id=plan_id, actor=actor, title="Cierre del lanzamiento e inicio del diagnóstico",
            text="El foro de lanzamiento aprueba el plan de trabajo y da inicio al diagnóstico del sector.",
            subject=Agreement.Subject.CLOSE_PHASE, rule=Agreement.Rule.FORUM_CONSENSUS, forum_id=forum_id,
            phase_id=launch_id,
        )
        agreement_services.agreement_close(agreement_id=agreement.pk, actor=actor)
        phase_services.phase_complete(phase_id=launch_id, agreement_id=agreement.pk, actor=actor)
        # As the agreement says, the diagnosis starts at once (its planned start is the next day).
        phase_services.phase_start(phase_id=diagnosis_id, actor=actor)
