"""The fine-fruit plan's projects: one or more per category, funding and milestones.

Funding adds up to the public figures: ARS 1,763,000 budgeted, 1,185,000 executed and
578,000 pending. Milestone offsets are days from the load date; "late" ones are overdue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from plans.models import Stakeholder
from plans.services.history import Actor
from projects.models import Project
from projects.services import milestones as milestone_services

GRANT, PROVINCIAL, PRIVATE = "programme_grant", "provincial", "private"

# milestones: (title, due offset, final state[, original offset when rescheduled])
PROJECTS: tuple[dict[str, Any], ...] = (
    {"code": "FF-01", "title": "Protocolo de calidad e inocuidad para frutas finas", "category": "quality",
     "line": "L1", "status": "in_execution", "corfo": True, "funding": ((GRANT, 220000, 160000),),
     "milestones": (("Protocolo de calidad redactado y validado", -300, "completed"),
                    ("Relevamiento sanitario inicial", -250, "cancelled"),
                    ("Capacitación en buenas prácticas a productores", -20, "in_progress"),
                    ("Auditoría de certificación", 7, "pending"))},
    {"code": "FF-02", "title": "Cámaras de frío compartidas", "category": "infrastructure", "line": "L3",
     "status": "in_execution", "corfo": True, "funding": ((GRANT, 480000, 300000), (PROVINCIAL, 120000, 60000)),
     "objective": "Cámaras de frío de uso común, licitadas por CORFO Chubut, para conservar la fruta de todos.",
     "milestones": (("Pliego de licitación de las cámaras de frío", -260, "completed"),
                    ("Apertura de sobres de la licitación", -200, "completed"),
                    ("Adjudicación de la obra", -150, "completed"),
                    ("Instalación de las cámaras de frío", -10, "in_progress"),
                    ("Habilitación de las cámaras", 14, "pending", -5))},
    {"code": "FF-03", "title": "Marca colectiva Frutas Finas de la Patagonia", "category": "promotion",
     "line": "L2", "status": "in_execution", "corfo": True, "funding": ((GRANT, 200000, 150000),),
     "milestones": (("Diseño de la marca colectiva", -180, "completed"),
                    ("Registro de la marca", -45, "pending"),
                    ("Lanzamiento en feria regional", 1, "pending"))},
    {"code": "FF-04", "title": "Fortalecimiento de la asociación del cluster", "category": "institutional",
     "line": "L3", "status": "completed", "corfo": True, "funding": ((GRANT, 150000, 150000),),
     "milestones": (("Constitución de la asociación ad hoc", -650, "completed"),
                    ("Primera asamblea anual", -300, "completed"))},
    {"code": "FF-05", "title": "Transferencia de tecnología en riego y variedades", "category": "technology",
     "line": "L1", "status": "in_execution", "corfo": True, "funding": ((GRANT, 180000, 125000),),
     "milestones": (("Ensayo de variedades", -100, "completed"),
                    ("Riego por goteo demostrativo", 30, "in_progress"),
                    ("Jornada de transferencia a productores", 60, "pending"))},
    {"code": "FF-06", "title": "Capacitación en poda y manejo de plantaciones", "category": "training",
     "line": "L1", "status": "completed", "body": "Agencia de extensión rural (muestra)",
     "funding": ((GRANT, 90000, 90000),),
     "milestones": (("Curso de poda y manejo", -400, "completed"),)},
    {"code": "FF-07", "title": "Estudio de mercados para frutas finas congeladas", "category": "other",
     "line": "L2", "status": "approved", "body": "Consultora (muestra)",
     "funding": ((GRANT, 110000, 0), (PRIVATE, 40000, 0))},
    {"code": "FF-08", "title": "Participación en ferias y rondas de negocios", "category": "promotion",
     "line": "L2", "status": "suspended", "body": "Asociación ad hoc (muestra)",
     "funding": ((GRANT, 173000, 150000),),
     "milestones": (("Participación en feria nacional", -60, "completed"),
                    ("Misión comercial", -5, "pending"))},
    {"code": "FF-09", "title": "Laboratorio de análisis de calidad de fruta", "category": "quality", "line": "L1",
     "status": "prioritised"},
    {"code": "FF-10", "title": "Trazabilidad digital de lotes", "category": "technology", "line": "L1",
     "status": "idea"},
    {"code": "FF-11", "title": "Escuela de cosechadores", "category": "training", "line": "L3",
     "status": "formulated"},
    {"code": "FF-12", "title": "Planta de empaque individual", "category": "infrastructure", "line": "L3",
     "status": "cancelled", "beneficiaries": slice(0, 1)},
)


def add_milestones(project: Project, spec: dict[str, Any], people: list[Stakeholder], actor: Actor,
                   today: dt.date) -> None:
    for n, (title, offset, state, *rest) in enumerate(spec.get("milestones", ())):
        first_due = today + dt.timedelta(days=rest[0] if rest else offset)
        milestone = milestone_services.milestone_create(
            project_id=project.pk, actor=actor, title=title, due_date=first_due, weight=1 + n % 3,
            responsible_id=people[n % len(people)].pk,
        )
        if rest:
            milestone_services.milestone_reschedule(
                milestone_id=milestone.pk, actor=actor, due_date=today + dt.timedelta(days=offset),
                reason="Demora del proveedor de los equipos (muestra).",
            )
        if state == "in_progress":
            milestone_services.milestone_start(milestone_id=milestone.pk, actor=actor)
            milestone_services.milestone_update_post(
                milestone_id=milestone.pk, actor=actor, note="Avance de muestra: trabajos en curso.",
                posted_on=min(today, first_due),
            )
        elif state == "completed":
            milestone_services.milestone_complete(
                milestone_id=milestone.pk, actor=actor, completed_on=min(today, first_due - dt.timedelta(days=2)),
                note="Cumplido (muestra).", evidence_url="https://example.org/evidencia-muestra",
            )
        elif state == "cancelled":
            milestone_services.milestone_cancel(
                milestone_id=milestone.pk, actor=actor, reason="Reemplazado por el protocolo de calidad (muestra).",
            )
