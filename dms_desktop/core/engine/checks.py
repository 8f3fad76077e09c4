"""Bad rows in the staging table, found set-based: NULL keys, too long, out of range.

With the mapping's error threshold at 0 (the default) any bad row fails the run and nothing
loads; with N, up to N bad rows go to DMS_JOBERR with their key, column, value and reason
and are removed from the stage; more than N fails the run. Values the database cannot even
convert (e.g. text that is no date) fail the transfer itself, with the database's message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    Table,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    null,
    or_,
    select,
)

from dms_desktop.core.engine.target import LoadShape

MAX_SHOWN = 5


@dataclass(frozen=True)
class Rule:
    column: str
    condition: ColumnElement[bool]
    reason: str


@dataclass(frozen=True)
class Rejection:
    key: str
    column: str
    value: str | None
    reason: str


def rules(shape: LoadShape, stage: Table) -> list[Rule]:
    found: list[Rule] = []
    for col in shape.columns:
        value = stage.c[col.staged_name if col.lookup else col.name]
        kind = col.type
        if col.key:
            found.append(Rule(col.name, value.is_(None), "key is NULL"))
        if col.lookup:
            continue
        if kind.family in ("string", "char") and kind.size:
            too_long = func.length(value) > kind.size
            if shape.dialect == "postgresql":
                # Characters never outnumber bytes: the byte count, read from the value's
                # header, spares counting the characters of nearly every value.
                too_long = (func.octet_length(value) > kind.size) & too_long
            found.append(
                Rule(col.name, too_long, f"value too long (more than {kind.size} characters)")
            )
        elif kind.family == "decimal" and kind.size:
            limit = 10 ** (kind.size - (kind.scale or 0))
            found.append(
                Rule(col.name, func.abs(value) >= limit, f"number out of range for {kind.text}")
            )
        elif kind.family == "int" and kind.size and kind.size < 8:
            bound = 2 ** (8 * kind.size - 1)
            found.append(
                Rule(
                    col.name,
                    (value >= bound) | (value < -bound),
                    f"number out of range for {kind.text}",
                )
            )
        if shape.dialect == "sqlite":
            found += _sqlite_type_rules(col.name, value, kind.family)
    return found


def _sqlite_type_rules(name: str, value: ColumnElement[Any], family: str) -> list[Rule]:
    """SQLite stores anything anywhere: check what a typed database would refuse."""
    kind = func.typeof(value)
    if family == "int":
        return [Rule(name, kind.not_in(("integer", "null")), "not a whole number")]
    if family in ("decimal", "float"):
        return [Rule(name, kind.not_in(("integer", "real", "null")), "not a number")]
    if family == "date":
        return [
            Rule(name, value.is_not(None) & func.date(value).is_(None), "not a date (YYYY-MM-DD)")
        ]
    if family == "timestamp":
        return [
            Rule(
                name,
                value.is_not(None) & func.datetime(value).is_(None),
                "not a timestamp (YYYY-MM-DD HH:MM:SS)",
            )
        ]
    return []


def any_broken(found: list[Rule]) -> ColumnElement[bool]:
    """A row breaks at least one of the rules (false when there are none)."""
    return or_(*(r.condition for r in found)) if found else false()


def find(
    conn: Connection, shape: LoadShape, stage: Table, found: list[Rule], limit: int
) -> tuple[int, list[Rejection]]:
    """How many bad rows, and the first ``limit`` of them with key, column, value, reason."""
    if not found:
        return 0, []
    bad = any_broken(found)
    total = conn.execute(select(func.count()).select_from(stage).where(bad)).scalar_one()
    if not total:
        return 0, []
    which = case(*((r.condition, literal(f"{r.column}\t{r.reason}")) for r in found))
    shown = case(
        *((r.condition, cast(stage.c[_staged(shape, r.column)], String)) for r in found),
        else_=null(),
    )
    keys: list[ColumnElement[Any]] = [cast(stage.c[k.staged_name], String) for k in shape.keys]
    keys = keys or [literal("")]
    rows = conn.execute(select(which, shown, *keys).where(bad).limit(limit)).all()
    out = []
    for reason, value, *key in rows:
        column, text = str(reason).split("\t", 1)
        out.append(
            Rejection(
                "|".join("" if k is None else str(k) for k in key),
                column,
                None if value is None else str(value)[:200],
                text,
            )
        )
    return int(total), out


def _staged(shape: LoadShape, name: str) -> str:
    return next(c.staged_name for c in shape.columns if c.name == name)


def remove(conn: Connection, stage: Table, found: list[Rule]) -> None:
    conn.execute(delete(stage).where(any_broken(found)))


def describe(total: int, shown: list[Rejection]) -> str:
    first = "; ".join(f"{r.column} {r.reason} (key {r.key or '?'})" for r in shown[:MAX_SHOWN])
    return f"{total} bad row{'s' if total != 1 else ''}: {first}"
