"""Early actions of the Tucumán dairy plan (acciones tempranas, sample data).

While the diagnosis runs, a cluster usually starts a few quick, low-cost actions that build
trust before the plan is approved. The demo gives the dairy plan two of them, with funding,
milestones (some overdue, one due soon) and an indicator with a few measurements, so the
coordinator's plan page has work to show on the first `make run`. Offsets are days from the
load date; every write goes through the services, so each leaves its history event.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from plans.models import Organization, Stakeholder
from plans.services.history import Actor
from projects.services import funding as funding_services
from projects.services import indicators as indicator_services
from projects.services import projects as project_services

from .finefruit_projects import add_milestones

GRANT, PROVINCIAL, PRIVATE = "programme_grant", "provincial", "private"
IN_EXECUTION = ("formulated", "prioritised", "approved", "in_execution")

# funding: (source, currency, budget, executed); milestones as in finefruit_projects.add_milestones
EARLY_ACTIONS: tuple[dict[str, Any], ...] = (
    {"code": "AT-01", "title": "Acción temprana: análisis de calidad de la leche en tambos (muestra)",
     "category": "quality", "beneficiaries": slice(0, 4),
     "funding": ((GRANT, "ARS", 180000, 60000), (PROVINCIAL, "ARS", 60000, 20000)),
     "milestones": (("Convenio con el laboratorio de calidad de leche (muestra)", -90, "completed"),
                    ("Primer muestreo de leche en 20 tambos (muestra)", -12, "in_progress"),
                    ("Informe de calidad por tambo (muestra)", -4, "pending"),
                    ("Taller de devolución de resultados a productores (muestra)", 9, "pending"))},
    {"code": "AT-02", "title": "Acción temprana: capacitación en buenas prácticas de ordeñe (muestra)",
     "category": "training", "beneficiaries": slice(4, 8),
     "funding": ((GRANT, "ARS", 90000, 15000), (PRIVATE, "USD", 5000, 1000)),
     "milestones": (("Curso de ordeñe en Trancas (muestra)", -30, "completed"),
                    ("Curso de ordeñe en Tafí del Valle (muestra)", -7, "pending"),
                    ("Manual de buenas prácticas impreso (muestra)", 25, "pending"))},
)
# Milk processed in the province (l/day): the key figure of 2012, then a slow rise.
PROCESSED_MILK = ((-300, "75000"), (-200, "81000"), (-100, "88000"), (-20, "94000"))


def build(*, plan_id: int, members: list[Organization], people: list[Stakeholder], actor: Actor,
          today: dt.date) -> None:
    for spec in EARLY_ACTIONS:
        project = project_services.project_create(
            plan_id=plan_id, actor=actor, code=spec["code"], title=spec["title"], category=spec["category"],
            executing_body="Mesa de Lechería Provincial", planned_start=today - dt.timedelta(days=120),
            planned_end=today + dt.timedelta(days=120),
        )
        for org in members[spec["beneficiaries"]]:
            project_services.beneficiary_add(project_id=project.pk, organization_id=org.pk, actor=actor)
        for source, currency, budget, executed in spec["funding"]:
            line = funding_services.funding_line_create(
                project_id=project.pk, actor=actor, source=source, currency=currency, budget=Decimal(budget),
            )
            if executed:
                funding_services.expenditure_record(
                    funding_line_id=line.pk, actor=actor, amount=Decimal(executed),
                    spent_on=today - dt.timedelta(days=45), description="Certificado de avance (muestra)",
                )
        for to in IN_EXECUTION:
            project_services.project_transition(project_id=project.pk, to=to, actor=actor)
        add_milestones(project, spec, people, actor, today)

    first_day, first_value = PROCESSED_MILK[0]
    indicator = indicator_services.indicator_create(
        plan_id=plan_id, actor=actor, name="Leche procesada en la provincia (muestra)", unit="l/día",
        baseline_value=Decimal(first_value), baseline_date=today + dt.timedelta(days=first_day),
        target_value=Decimal("150000"), target_date=today + dt.timedelta(days=730),
    )
    for days, value in PROCESSED_MILK[1:]:
        indicator_services.measurement_record(indicator_id=indicator.pk, actor=actor,
                                              measured_on=today + dt.timedelta(days=days), value=Decimal(value))
