"""Completeness: every field of every domain model is recorded by the history.

`COVERED` lists each concrete field of each VersionedModel of plans and projects. A new field
(or model) fails `test_every_field_is_covered` until it is added here, which also enrols it
in the generic checks below: changing the field through `update_with_history` (the core
every service calls) records exactly one event with the right old and new values, and
deleting through `delete_with_history` records the last values. Services' own tests check
the service-specific verbs (transition, reschedule, complete).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory.django
import pytest
from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from plans.errors import ValidationFailed
from plans.models import HistoryEvent, Source, VersionedModel
from plans.services.history import Actor, delete_with_history, snapshot, update_with_history
from tests import factories

pytestmark = pytest.mark.django_db

ACTOR = Actor.system(Source.COMMAND)
BOOKKEEPING = {"version", "created_at", "updated_at"}  # HISTORY_EXCLUDE: not content; version is checked below

# model -> its content fields, each checked generically (old -> new on update, last value on delete).
COVERED: dict[str, set[str]] = {
    "plans.cluster": {"name", "slug", "sector", "province", "localities", "description", "programme", "time_zone",
                      "started_on", "is_sample"},
    "plans.keyfigure": {"cluster", "name", "value", "unit", "as_of"},
    "plans.organization": {"cluster", "name", "kind", "membership", "chain_link", "locality", "contact_email",
                           "is_active", "is_sample"},
    "plans.stakeholder": {"cluster", "name", "email", "organization", "language", "time_zone", "is_active", "user",
                          "is_sample"},
    "plans.roleassignment": {"user", "cluster", "role"},
    "plans.plan": {"cluster", "title", "edition", "previous", "vision", "status", "grant_amount", "grant_currency",
                   "approved_on", "progress", "forum_quorum_percent"},
    "plans.strategicline": {"plan", "code", "title", "description", "order"},
    "plans.phase": {"plan", "order", "kind", "title", "description", "planned_start", "planned_end", "actual_start",
                    "actual_end", "status", "skip_reason", "outcome_agreement"},
    "plans.forum": {"plan", "phase", "title", "starts_at", "ends_at", "venue", "address", "organizer", "agenda",
                    "minutes", "status", "sequence"},
    "plans.forumattendance": {"forum", "organization", "stakeholder"},
    "plans.forumresponse": {"forum", "stakeholder", "answer", "comment"},
    "plans.agreement": {"plan", "phase", "forum", "title", "text", "subject", "rule", "quorum_percent", "status",
                        "closes_on", "tally", "decided_at"},
    "plans.position": {"agreement", "organization", "position", "comment", "recorded_by"},
    "projects.project": {"plan", "strategic_line", "code", "title", "objective", "category", "good_type",
                         "executing_organization", "executing_body", "planned_start", "planned_end", "actual_start",
                         "actual_end", "status", "priority", "collective_benefit_override_reason", "progress"},
    "projects.projectbeneficiary": {"project", "organization"},
    "projects.fundingline": {"project", "source", "currency", "budget", "executed", "description"},
    "projects.expenditure": {"funding_line", "amount", "spent_on", "description", "over_budget_reason"},
    "projects.indicator": {"plan", "project", "name", "unit", "baseline_value", "baseline_date", "target_value",
                           "target_date"},
    "projects.measurement": {"indicator", "measured_on", "value", "note"},
    "projects.milestone": {"project", "plan", "title", "description", "due_date", "baseline_due_date", "weight",
                           "responsible", "status", "completed_on", "completion_note", "evidence_url"},
    "projects.milestoneupdate": {"milestone", "author", "posted_on", "note", "evidence_url", "proposes_completion"},
}
# Fields that only change together with another (a constraint ties them); callables get the instance.
COUPLED: dict[tuple[str, str], dict[str, Any]] = {
    ("plans.forumattendance", "stakeholder"): {"organization": None},
    ("projects.milestone", "completed_on"): {"status": "completed"},
    ("plans.agreement", "rule"): {"forum": lambda obj: factories.ForumFactory.create(phase__plan=obj.plan)},
    ("plans.agreement", "status"): {"decided_at": lambda obj: timezone.now()},
}


def domain_models() -> list[type[models.Model]]:
    return [
        m for m in apps.get_models()
        if issubclass(m, VersionedModel) and m._meta.app_label in ("plans", "projects")
    ]


def content_fields() -> list[tuple[str, str]]:
    return [
        (m._meta.label_lower, f.name) for m in domain_models()
        for f in m._meta.concrete_fields if not f.primary_key and f.name not in BOOKKEEPING
    ]


FACTORIES: dict[Any, Any] = {
    f._meta.model: f for f in vars(factories).values()
    if isinstance(f, type) and issubclass(f, factory.django.DjangoModelFactory) and f._meta.model is not None
}


def test_every_field_is_covered() -> None:
    missing = [f"{label}.{name}" for label, name in content_fields() if name not in COVERED.get(label, set())]
    assert not missing, f"fields no history test covers (add them to COVERED): {missing}"
    stale = [
        f"{label}.{name}" for label, names in COVERED.items() for name in names
        if (label, name) not in set(content_fields())
    ]
    assert not stale, f"COVERED lists fields that no longer exist: {stale}"
    assert set(domain_models()) <= set(FACTORIES), "every domain model needs a factory"


def make(model: type[models.Model]) -> Any:
    instance = FACTORIES[model].create()
    instance.refresh_from_db()  # compare with values as stored (Decimal places, time zones)
    return instance


def candidates(field: models.Field[Any, Any], current: Any) -> list[Any]:
    """Values to try, in order, until one passes the model's validation and constraints."""
    if field.is_relation:
        related = make(field.related_model)  # type: ignore[arg-type]
        return [related, None] if field.null else [related]
    if field.choices:
        return [value for value, _label in field.flatchoices if value != current]
    if isinstance(field, models.BooleanField):
        return [not current]
    if isinstance(field, models.DecimalField):
        places = Decimal(1).scaleb(-(field.decimal_places or 0))
        return [(Decimal(current or 0) + 1).quantize(places), Decimal(10).quantize(places)]
    if isinstance(field, models.IntegerField):
        return [(current or 0) + 1, 2, 50]
    if isinstance(field, models.DateTimeField):
        base = current or timezone.now()
        return [base + dt.timedelta(hours=1), base - dt.timedelta(hours=1), base + dt.timedelta(days=400)]
    if isinstance(field, models.DateField):
        base = current or dt.date(2013, 1, 1)
        return [base + dt.timedelta(days=1), base - dt.timedelta(days=1), dt.date(2099, 1, 1)]
    if isinstance(field, models.JSONField):
        return [{"agree": 3, "block": 0}]
    if isinstance(field, models.EmailField):
        return ["nuevo.contacto@example.org"]
    if isinstance(field, models.URLField):
        return ["https://example.org/evidencia.pdf"]
    if isinstance(field, models.SlugField):
        return [f"{current}-editado"[: field.max_length]]
    text = f"{current or ''} (editado)"
    return [text[-field.max_length:] if field.max_length else text]


@pytest.mark.parametrize(("label", "name"), content_fields(), ids=[f"{m}.{f}" for m, f in content_fields()])
def test_a_change_of_the_field_records_one_event_with_old_and_new(label: str, name: str) -> None:
    model = apps.get_model(label)
    field = model._meta.get_field(name)
    instance = make(model)
    before = snapshot(instance)
    errors: list[str] = []
    for value in candidates(field, getattr(instance, field.attname if field.is_relation else name)):
        count = HistoryEvent.objects.count()
        try:
            with transaction.atomic():
                coupled = {k: v(instance) if callable(v) else v for k, v in COUPLED.get((label, name), {}).items()}
                values = {name: value, **coupled}
                event = update_with_history(instance, actor=ACTOR, values=values)
        except ValidationFailed as exc:
            errors.append(f"{value!r}: {exc.errors}")
            instance = model._default_manager.get(pk=instance.pk)
            continue
        assert event is not None and HistoryEvent.objects.count() == count + 1
        stored = model._default_manager.get(pk=instance.pk)
        assert event.object_type == label and event.object_id == instance.pk
        assert event.changes[name] == [before[name], snapshot(stored)[name]]
        assert before[name] != snapshot(stored)[name]
        assert stored.version == 2 and not BOOKKEEPING & set(event.changes)  # type: ignore[attr-defined]
        return
    pytest.fail(f"no candidate value for {label}.{name} passed validation: {errors}")


@pytest.mark.parametrize("model", domain_models(), ids=lambda m: m._meta.label_lower)
def test_a_deletion_records_the_last_values(model: type[models.Model]) -> None:
    instance = make(model)
    last = {k: v for k, v in snapshot(instance).items() if v not in (None, "", [], {})}
    pk = instance.pk
    with transaction.atomic():
        event = delete_with_history(instance, actor=ACTOR, reason="limpieza")
    assert not model._default_manager.filter(pk=pk).exists()
    assert event.action == "delete" and event.object_id == pk and event.reason == "limpieza"
    assert event.changes == {k: [v, None] for k, v in last.items()}
