"""A subquery's shape compiled once per process, its parameters filled in per call.

Building and compiling a queryset costs the ORM far more than running it for the plan page's
small lists (about 3 ms of its 4 lists' 5 ms, measured with `make bench-web`). When only the
values differ between calls, the SQL text is the same every time: `Prepared(build, a, b)`
compiles `build(*a)` and `build(*b)` once per database vendor, keeps the text, and learns which
parameter holds which argument (as it is, or as the backend adapts it: SQLite passes dates as
text). A shape whose text changes with its arguments, or whose parameters cannot be told apart,
is refused when it is first compiled, so a wrong cache cannot be built silently; tests compare
every prepared shape with a fresh compile for other arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

ADAPTERS: tuple[Callable[[Any], Any], ...] = (lambda v: v, str)  # as given; as SQLite's date adaptation


class NotPreparable(ValueError):
    """The shape's SQL depends on its arguments' values, or an argument hides among constants."""


class Prepared:
    def __init__(self, build: Callable[..., QuerySet[Any]], sample: Sequence[Any], other: Sequence[Any]) -> None:
        """`sample` and `other`: two argument lists that differ in every position and from every
        constant of the query (they are only compiled, never run)."""
        if len(sample) != len(other) or any(a == b for a, b in zip(sample, other, strict=True)):
            raise NotPreparable("the two samples must differ in every argument")
        self.build, self.samples = build, (tuple(sample), tuple(other))
        self._compiled: dict[str, tuple[str, list[Any], list[tuple[int, int, Callable[[Any], Any]]]]] = {}

    def queryset(self, *args: Any) -> QuerySet[Any]:
        """The queryset itself, for what needs its fields (the row converters) or runs it alone."""
        return self.build(*args)

    def sql(self, *args: Any) -> tuple[str, tuple[Any, ...]]:
        """The SQL and parameters `build(*args)` compiles to as a subquery, without compiling it."""
        text, params, slots = self._shape()
        filled = list(params)
        for position, argument, adapt in slots:
            filled[position] = adapt(args[argument])
        return text, tuple(filled)

    def _shape(self) -> tuple[str, list[Any], list[tuple[int, int, Callable[[Any], Any]]]]:
        found = self._compiled.get(connection.vendor)
        if found is None:
            found = self._compiled[connection.vendor] = self._learn()
        return found

    def _learn(self) -> tuple[str, list[Any], list[tuple[int, int, Callable[[Any], Any]]]]:
        (text_a, params_a), (text_b, params_b) = (_as_subquery(self.build(*s)) for s in self.samples)
        if text_a != text_b or len(params_a) != len(params_b):
            raise NotPreparable(f"{self.build.__qualname__}: the SQL changes with the arguments")
        slots = []
        for position, (value_a, value_b) in enumerate(zip(params_a, params_b, strict=True)):
            matches: dict[int, Callable[[Any], Any]] = {}
            for argument, (arg_a, arg_b) in enumerate(zip(*self.samples, strict=True)):
                for adapt in ADAPTERS:
                    if _same(adapt(arg_a), value_a) and _same(adapt(arg_b), value_b):
                        matches.setdefault(argument, adapt)
            if len(matches) > 1:
                raise NotPreparable(f"{self.build.__qualname__}: parameter {position} could be several arguments")
            if matches:
                ((argument, adapt),) = matches.items()
                slots.append((position, argument, adapt))
            elif value_a != value_b:
                raise NotPreparable(f"{self.build.__qualname__}: parameter {position} is no argument")
        return text_a, list(params_a), slots


def _as_subquery(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """Compiled as Django compiles a Subquery's query: parenthesised, columns named as in values()."""
    query = queryset.query.clone()
    query.subquery = True
    sql, params = query.as_sql(query.get_compiler(connection=connection), connection)
    return sql, tuple(params)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b
