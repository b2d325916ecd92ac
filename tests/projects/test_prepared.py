"""projects.selectors.prepared: a subquery compiled once gives what a fresh compile gives."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import QuerySet
from hypothesis import given, settings
from hypothesis import strategies as st

from projects.models import Milestone
from projects.selectors import page
from projects.selectors.prepared import NotPreparable, Prepared, _as_subquery

pytestmark = pytest.mark.django_db

SHAPES = {
    "act_on": (page.PREPARED_ACT_ON, (st.integers(1, 10**9), st.dates(), st.dates())),
    "money": (page.PREPARED_MONEY, (st.integers(1, 10**9),)),
    "indicators": (page.PREPARED_INDICATORS, (st.integers(1, 10**9),)),
    "agreements": (page.PREPARED_AGREEMENTS, (st.integers(1, 10**9),)),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_a_prepared_shape_gives_the_sql_and_parameters_of_a_fresh_compile(name: str) -> None:
    prepared, arguments = SHAPES[name]

    @settings(max_examples=40, deadline=None)
    @given(st.tuples(*arguments))
    def check(args: tuple[Any, ...]) -> None:
        assert prepared.sql(*args) == _as_subquery(prepared.queryset(*args))

    check()


def by_value(plan_id: int) -> QuerySet[Any]:
    """Its SQL depends on the value: one placeholder per id."""
    return Milestone.objects.filter(plan_id__in=range(plan_id)).values("id")


def with_a_hidden_value(plan_id: int) -> QuerySet[Any]:
    """A parameter that is none of the arguments, and changes between compiles."""
    return Milestone.objects.filter(plan_id=plan_id, due_date__gte=dt.date.today() + dt.timedelta(days=plan_id)).values(
        "id")


def two_plans(first: int, second: int) -> QuerySet[Any]:
    return Milestone.objects.filter(plan_id=first, project__plan_id=second).values("id")


def test_a_shape_whose_sql_changes_with_its_arguments_is_refused() -> None:
    with pytest.raises(NotPreparable, match="changes with the arguments"):
        Prepared(by_value, (2,), (3,)).sql(5)


def test_a_parameter_that_is_no_argument_is_refused() -> None:
    with pytest.raises(NotPreparable, match="is no argument"):
        Prepared(with_a_hidden_value, (2,), (3,)).sql(5)


def test_samples_that_cannot_tell_two_arguments_apart_are_refused() -> None:
    with pytest.raises(NotPreparable, match="several arguments"):
        Prepared(two_plans, (-1, -1), (-2, -2)).sql(5, 6)
    assert Prepared(two_plans, (-1, -3), (-2, -4)).sql(5, 6)[1] == (5, 6)


def test_samples_must_differ_in_every_argument() -> None:
    with pytest.raises(NotPreparable, match="differ"):
        Prepared(two_plans, (-1, -3), (-2, -3))
