"""The Tucumán dairy cluster of the seed: its figures, members, and a plan in diagnosis
with two early actions (sample projects, see dairy_projects.py).

Facts (figures, counts, the launch forum, its venue and organizer) come from the seed's
2012 invitation; names of individual producers and firms are invented and marked sample.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from plans.models import Agreement, Organization, Phase
from plans.services import agreements as agreement_services
from plans.services import clusters as cluster_services
from plans.services import forums as forum_services
from plans.services import phases as phase_services
from plans.services import plans as plan_services
from plans.services.history import Actor

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
LAUNCH_AT = dt.datetime(2012, 9, 20, 8, 30, tzinfo=TZ)
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
    for name, value, unit in KEY_FIGURES:
        cluster_services.key_figure_set(
            cluster_id=cluster.pk, actor=actor, name=name, value=value, unit=unit, as_of=dt.date(2012, 9, 20)
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

    plan = plan_services.plan_create(
        cluster_id=cluster.pk, actor=actor, title="Plan de Mejora Competitiva del Cluster Lácteo de Tucumán",
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
        "planned_start": dt.date(2012, 9, 21), "planned_end": today + dt.timedelta(days=60),
    })
    phase_services.phase_start(phase_id=launch.pk, actor=actor)

    forum = forum_services.forum_schedule(
        phase_id=launch.pk, actor=actor, title="I Foro Participativo — Lanzamiento del Cluster Lácteo de Tucumán",
        starts_at=LAUNCH_AT, ends_at=LAUNCH_AT + dt.timedelta(hours=4), venue="Sociedad Rural de Tucumán",
        address="Camino del Perú 1050, Cevil Redondo, Yerba Buena", organizer=ORGANIZER, agenda=LAUNCH_AGENDA,
    )
    # The launch drew most of the trade (a forum decides for the cluster only with its quorum present).
    for member in {m.pk: m for m in (mesa, by_name["IDEP Tucumán"], *members[:30], *members[45:56])}.values():
        forum_services.attendance_add(forum_id=forum.pk, actor=actor, organization_id=member.pk)
    forum_services.attendance_add(forum_id=forum.pk, actor=actor, stakeholder_id=person.pk)
    forum_services.forum_hold(forum_id=forum.pk, minutes=LAUNCH_MINUTES, actor=actor)
    agreement = agreement_services.agreement_create(
        plan_id=plan.pk, actor=actor, title="Cierre del lanzamiento e inicio del diagnóstico",
        text="El foro de lanzamiento aprueba el plan de trabajo y da inicio al diagnóstico del sector.",
        subject=Agreement.Subject.CLOSE_PHASE, rule=Agreement.Rule.FORUM_CONSENSUS, forum_id=forum.pk,
        phase_id=launch.pk,
    )
    agreement_services.agreement_close(agreement_id=agreement.pk, actor=actor)
    phase_services.phase_complete(phase_id=launch.pk, agreement_id=agreement.pk, actor=actor)
    phase_services.phase_start(phase_id=diagnosis.pk, actor=actor)

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
    dairy_projects.build(plan_id=plan.pk, members=members, people=[coordination, person], actor=actor, today=today)
