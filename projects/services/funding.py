"""Funding lines of a project and the expenditures executed against them.

Money is Decimal with the line's currency (ARS or USD); floats are refused. A line's
`executed` is the running sum of its expenditures and is only changed here, under a row
lock on the line, so two concurrent expenditures cannot both read the old total.
Lines of a project in a closed or cancelled plan no longer change (`lock_open_plan`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plans.errors import RuleViolation, ValidationFailed
from plans.services.history import (
    Actor,
    check_version,
    create_with_history,
    history_value,
    lock,
    record_event,
    snapshot,
    update_with_history,
    validate,
)
from projects.models import Expenditure, FundingLine, Project

from .common import lock_open_plan, normalize_values, refuse_future, to_date, to_decimal

EDITABLE = frozenset({"source", "currency", "budget", "description"})
HINTS = {
    "executed": _("The executed amount is the sum of the recorded expenditures."),
    "project": _("A funding line cannot move to another project."),
}


def _budget(value: Any) -> Decimal:
    budget = to_decimal(value, field="budget")
    if budget < 0:
        raise ValidationFailed(_("The budget cannot be negative."), errors={"budget": [_("Enter zero or more.")]})
    return budget


def _check_source_currency_free(line: FundingLine) -> None:
    taken = FundingLine.objects.filter(
        project_id=line.project_id, source=line.source, currency=line.currency
    ).exclude(pk=line.pk).exists()
    if taken:
        raise ValidationFailed(
            _("The project already has a funding line for this source and currency."),
            errors={"source": [_("Already present for this currency.")]},
        )


def _lock_open_plan_of(line: FundingLine) -> None:
    # Lock order line -> project -> plan, as milestones take milestone -> project -> plan.
    project = lock(Project, line.project_id, queryset=Project.objects.only("id", "plan_id"))
    lock_open_plan(project.plan_id)


@transaction.atomic
def funding_line_create(
    *, project_id: int, actor: Actor, source: str, currency: str, budget: Any, description: str = "",
    expected_version: int | None = None,
) -> FundingLine:
    """Add a line; `expected_version` is the project's (If-Match on the nested route)."""
    project = lock(Project, project_id)
    check_version(project, expected_version)
    lock_open_plan(project.plan_id)
    line = FundingLine(project=project, source=source, currency=currency, budget=_budget(budget),
                       description=description)
    _check_source_currency_free(line)
    return create_with_history(line, actor=actor)


@transaction.atomic
def funding_line_update(
    *, funding_line_id: int, actor: Actor, values: dict[str, Any], expected_version: int | None = None,
    reason: str = "",
) -> FundingLine:
    """Edit a line. Lowering the budget below what is already executed needs a reason;
    the currency is fixed once money has been spent in it."""
    line = lock(FundingLine, funding_line_id)
    check_version(line, expected_version)
    _lock_open_plan_of(line)
    clean = normalize_values(values, editable=EDITABLE, hints=HINTS)
    if "budget" in clean:
        clean["budget"] = _budget(clean["budget"])
        if clean["budget"] < line.executed and clean["budget"] != line.budget and not (reason or "").strip():
            raise ValidationFailed(
                _("The new budget %(budget)s is below the %(executed)s already executed; give a reason."),
                errors={"reason": [_("Required to set the budget below the executed amount.")]},
                budget=clean["budget"], executed=line.executed,
            )
    if clean.get("currency", line.currency) != line.currency and line.expenditures.exists():
        raise RuleViolation(_("The currency of a funding line with expenditures cannot change."),
                            errors={"currency": [_("Money has already been spent in this currency.")]})
    if {"source", "currency"} & clean.keys():
        probe = FundingLine(pk=line.pk, project_id=line.project_id, source=clean.get("source", line.source),
                            currency=clean.get("currency", line.currency))
        _check_source_currency_free(probe)
    update_with_history(line, actor=actor, values=clean, reason=(reason or "").strip())
    return line


@transaction.atomic
def expenditure_record(
    *, funding_line_id: int, actor: Actor, amount: Any, spent_on: dt.date | str, description: str = "",
    over_budget_reason: str = "",
) -> Expenditure:
    """Record money spent against a line and add it to the line's executed amount.

    Spending beyond the budget needs `over_budget_reason`. ONE history event is written, on
    the expenditure (action "create"): its changes hold the expenditure's fields and the
    line's `funding_line.executed` [old, new]. The line's total is a consequence of this
    expenditure, not a separate decision, so a second event on the line would record the
    same change twice (and let a reader count the money twice).
    """
    line = lock(FundingLine, funding_line_id)  # the over-budget rule reads `executed`, then writes it
    _lock_open_plan_of(line)
    value = to_decimal(amount, field="amount")
    if value <= 0:
        raise ValidationFailed(_("The amount must be greater than zero."),
                               errors={"amount": [_("Enter an amount greater than zero.")]})
    day = to_date(spent_on, field="spent_on")
    refuse_future(day, cluster_id=line.history_cluster_id() or 0, field="spent_on")
    old_executed = line.executed
    new_executed = old_executed + value
    over_budget = new_executed > line.budget
    reason = (over_budget_reason or "").strip()
    if over_budget and not reason:
        raise ValidationFailed(
            _("This expenditure takes the line to %(executed)s %(currency)s, above its budget of %(budget)s; "
              "a reason is required."),
            errors={"over_budget_reason": [_("Required when spending above the budget.")]},
            executed=new_executed, currency=line.currency, budget=line.budget,
        )
    expenditure = Expenditure(
        funding_line=line, amount=value, spent_on=day, description=description,
        # Only an over-budget expenditure carries the reason; otherwise it would explain nothing.
        over_budget_reason=reason if over_budget else "",
    )
    validate(expenditure)
    expenditure.save(force_insert=True)
    line.executed = new_executed
    line.version += 1
    line.save(update_fields=["executed", "version", "updated_at"])
    changes: dict[str, Any] = {k: [None, v] for k, v in snapshot(expenditure).items() if v not in (None, "", [], {})}
    changes["funding_line.executed"] = [history_value(old_executed), history_value(new_executed)]
    record_event(
        actor=actor, action="create", instance=expenditure, changes=changes, reason=expenditure.over_budget_reason,
        context={"over_budget": over_budget, "budget": history_value(line.budget), "currency": line.currency},
    )
    return expenditure
