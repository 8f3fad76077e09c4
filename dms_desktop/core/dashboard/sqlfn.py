"""SQL building blocks the run-log aggregates need, compiled per backend.

``day_of`` buckets a UTC timestamp into a local calendar day (the offset is bound, in
seconds), ``seconds_between`` is a duration in seconds, and ``percentiles`` computes
``PERCENTILE_CONT`` per group: natively on PostgreSQL and Oracle, and on SQLite (which has no
such aggregate) from an ordered window (``row_number``/``count``) with the same linear
interpolation, so no log row ever travels to Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Date, Float, Integer, Select, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class day_of(FunctionElement[Any]):  # noqa: N801 - reads like the SQL function it renders
    """``day_of(ts, offset_seconds)``: the calendar date of ``ts`` shifted by the offset."""

    type = Date()
    name = "day_of"
    inherit_cache = True


@compiles(day_of, "postgresql")
def _day_pg(element: day_of, compiler: Any, **kw: Any) -> str:
    ts, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({ts}) + ({offset}) * INTERVAL '1 second' AS DATE)"


@compiles(day_of, "sqlite")
def _day_sqlite(element: day_of, compiler: Any, **kw: Any) -> str:
    ts, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({ts}, ({offset}) || ' seconds')"


@compiles(day_of, "oracle")
def _day_oracle(element: day_of, compiler: Any, **kw: Any) -> str:
    ts, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"TRUNC(({ts}) + NUMTODSINTERVAL({offset}, 'SECOND'))"


@compiles(day_of)
def _day_other(element: day_of, compiler: Any, **kw: Any) -> str:
    ts, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({ts}) + ({offset}) * INTERVAL '1' SECOND AS DATE)"


class seconds_between(FunctionElement[Any]):  # noqa: N801
    """``seconds_between(start, end)``: ``end - start`` in seconds, fractions kept."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _secs_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end}) - ({start}))"


@compiles(seconds_between, "sqlite")
def _secs_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between)
def _secs_interval(element: seconds_between, compiler: Any, **kw: Any) -> str:
    """Oracle (and the SQL standard): take the day-to-second interval apart."""
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    diff = f"(({end}) - ({start}))"
    return (
        f"(EXTRACT(DAY FROM {diff}) * 86400 + EXTRACT(HOUR FROM {diff}) * 3600"
        f" + EXTRACT(MINUTE FROM {diff}) * 60 + EXTRACT(SECOND FROM {diff}))"
    )


def percentiles(
    backend: str,
    source: Select[Any],
    keys: Sequence[str],
    value: str,
    wanted: dict[str, float],
) -> Select[Any]:
    """Per group of ``keys`` of ``source``, the continuous percentiles of ``value``.

    ``wanted`` maps result labels to fractions, e.g. ``{"median": 0.5, "p95": 0.95}``; the
    result also has ``n``, the number of non-NULL values. NULL values are ignored.
    """
    src = source.subquery("pv")
    group = [src.c[k] for k in keys]
    v = src.c[value]
    if backend != "sqlite":
        return select(
            *group,
            func.count(v).label("n"),
            *(func.percentile_cont(p).within_group(v).label(label) for label, p in wanted.items()),
        ).group_by(*group)
    ranked = (
        select(
            *group,
            v.label("v"),
            func.row_number().over(partition_by=group, order_by=v).label("rn"),
            func.count().over(partition_by=group).label("cnt"),
        )
        .where(v.is_not(None))
        .subquery("rk")
    )
    rgroup = [ranked.c[k] for k in keys]
    n = func.max(ranked.c.cnt)
    columns: list[ColumnElement[Any]] = []
    for label, p in wanted.items():
        # percentile_cont: position 1 + (n-1)p, interpolated between its two neighbours.
        row_pos = 1 + (ranked.c.cnt - 1) * p
        low_row = cast(row_pos, Integer)
        low = func.max(case((ranked.c.rn == low_row, ranked.c.v)))
        high = func.max(case((ranked.c.rn == low_row + 1, ranked.c.v)))
        pos = 1 + (n - 1) * p
        frac = pos - cast(pos, Integer)
        columns.append((low + frac * (func.coalesce(high, low) - low)).label(label))
    return select(*rgroup, n.label("n"), *columns).group_by(*rgroup)
