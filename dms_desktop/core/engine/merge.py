"""The set-based statements of a load, per target type (see DESIGN "Engine semantics").

Each builder returns named steps of SQLAlchemy constructs; the run executes them in one
target transaction and the plan shows them compiled for the target dialect. The run
timestamp is the bound parameter ``run_ts``: closed versions end and new ones start at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    DateTime,
    Executable,
    Table,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.sql.visitors import iterate

from dms_desktop.core.engine.hashing import row_hash_sql
from dms_desktop.core.engine.source_view import AS_STORED
from dms_desktop.core.engine.target import UNKNOWN_MEMBER, LoadColumn, LoadShape

RUN_TS = bindparam("run_ts", type_=DateTime())


@dataclass(frozen=True)
class Step:
    name: str
    statement: Executable
    counts: str | None = None  # which counter its rowcount feeds


def _join(shape: LoadShape, stage: Table, target: Table | None = None) -> ColumnElement[bool]:
    t = target if target is not None else shape.target
    return and_(*(t.c[k.name] == stage.c[k.name] for k in shape.keys))


_CAST_FAMILIES = ("decimal", "float", "char")


def _staged(shape: LoadShape, stage: Table, col: LoadColumn) -> ColumnElement[Any]:
    """A staged value as the target will store it. The stage is typed loosely (transfer.py),
    so 10.555 bound for NUMERIC(12,2), a double bound for REAL or 'ab ' for CHAR(5) would
    otherwise be compared and hashed unlike what is stored: a change on every run and an
    RWHKEY that does not match the row. SQLite stores what it is given: no cast there; nor
    for a source read in place whose column already has the target's type (source_view)."""
    value = stage.c[col.name]
    if shape.dialect == "sqlite" or col.type.family not in _CAST_FAMILIES:
        return value
    if value.info.get(AS_STORED):
        return value
    return cast(value, shape.target.c[col.name].type)


def _changed(
    shape: LoadShape, cols: list[LoadColumn], stage: Table, target: Table
) -> ColumnElement[bool]:
    return or_(*(target.c[c.name].is_distinct_from(_staged(shape, stage, c)) for c in cols))


def _hash(shape: LoadShape, stage: Table, kept: frozenset[str] = frozenset()) -> ColumnElement[Any]:
    """RWHKEY over the attributes: the staged values, or the target's own for ``kept``."""
    attrs = shape.attributes
    values = [shape.target.c[c.name] if c.name in kept else _staged(shape, stage, c) for c in attrs]
    return row_hash_sql(values, [c.category for c in attrs], shape.dialect)


def _update_from(
    shape: LoadShape, stage: Table, where: ColumnElement[bool], values: dict[str, Any]
) -> Executable:
    """UPDATE target … FROM stage (PostgreSQL, SQLite); a correlated form for Oracle."""
    target = shape.target
    if shape.dialect != "oracle":
        return update(target).where(_join(shape, stage), where).values(values)
    # Only the target correlates: the stage must stay in each subquery's FROM.
    correlated = {
        name: select(value).where(_join(shape, stage)).correlate(target).scalar_subquery()
        if _reads_stage(value, stage)
        else value
        for name, value in values.items()
    }
    return (
        update(target)
        .where(exists(select(literal(1)).where(_join(shape, stage), where).correlate(target)))
        .values(correlated)
    )


def _reads_stage(value: Any, stage: Table) -> bool:
    """Whether an expression reads a staged column anywhere (casts and hashes included)."""
    if not isinstance(value, ClauseElement):
        return False
    return any(getattr(e, "table", None) is stage for e in iterate(value))


def _insert_new(shape: LoadShape, stage: Table, only_new: bool) -> Executable:
    target = shape.target
    names = [c.name for c in shape.columns]
    values: list[Any] = [_staged(shape, stage, c) for c in shape.columns]
    values += [_hash(shape, stage), RUN_TS, RUN_TS]
    names += ["rwhkey", "reccrdt", "recupdt"]
    if shape.history:
        values += [literal("Y"), RUN_TS, literal(shape.high_date, DateTime())]
        names += ["curflg", "fromdt", "todt"]
    query = select(*values)
    if only_new:
        current = _join(shape, stage)
        if shape.history:
            current = and_(current, target.c.curflg == "Y")
        query = query.where(~exists(select(literal(1)).select_from(target).where(current)))
    else:
        query = query.select_from(stage)
    return insert(target).from_select(names, query)


def lookup_steps(shape: LoadShape, stage: Table, lookups: dict[str, Table]) -> list[Step]:
    """Resolve each lookup column on the target (current version); no match gives -1."""
    steps: list[Step] = []
    for col in shape.columns:
        if not col.lookup:
            continue
        table = lookups[col.name]
        key = table.c[(col.spec.key_column or "").lower()]
        value = table.c[(col.spec.value_column or "").lower()]
        match = key == stage.c[col.staged_name]
        if "curflg" in table.c:
            match = and_(match, table.c.curflg == "Y")
        if shape.dialect == "oracle":
            resolve: Executable = update(stage).values(
                {col.name: select(value).where(match).scalar_subquery()}
            )
        else:
            resolve = update(stage).where(match).values({col.name: value})
        steps.append(Step(f"lookup {col.name} in {table.name}", resolve))
        steps.append(
            Step(
                f"unknown {col.name} -> {UNKNOWN_MEMBER}",
                update(stage).where(stage.c[col.name].is_(None)).values({col.name: UNKNOWN_MEMBER}),
                "unmatched",
            )
        )
    return steps


def merge_steps(shape: LoadShape, stage: Table, *, target_empty: bool = False) -> list[Step]:
    """``target_empty``: the run found no row in the target (a first load), so every staged
    row is new. One plain INSERT then: no join at all, and no ``NOT EXISTS`` over the very
    table the statement fills (PostgreSQL, trusting statistics that say "empty", would
    rescan the growing table per row: quadratic)."""
    kind = shape.mapping.table_type
    target = shape.target
    if kind == "STAGING":
        return [
            Step("empty target", delete(target), "deleted"),
            Step("insert all", _insert_new(shape, stage, only_new=False), "inserted"),
        ]
    if not shape.upsert:
        return [Step("append", _insert_new(shape, stage, only_new=False), "inserted")]
    if target_empty:
        return [
            Step(
                "insert all (the target is empty)",
                _insert_new(shape, stage, only_new=False),
                "inserted",
            )
        ]
    steps: list[Step] = []
    attrs = shape.attributes
    in_place = [c for c in attrs if not (shape.history and c.scd2)]
    if in_place:
        # Type 1 (and fact) columns: overwritten in place, in every version of the key.
        kept = frozenset(c.name for c in attrs if c not in in_place)
        values: dict[str, Any] = {c.name: _staged(shape, stage, c) for c in in_place}
        values.update(rwhkey=_hash(shape, stage, kept), recupdt=RUN_TS)
        steps.append(
            Step(
                "update in place",
                _update_from(shape, stage, _changed(shape, in_place, stage, target), values),
                "updated",
            )
        )
    if shape.history:
        scd2 = [c for c in attrs if c.scd2]
        steps.append(
            Step(
                "close changed versions",
                _update_from(
                    shape,
                    stage,
                    and_(target.c.curflg == "Y", _changed(shape, scd2, stage, target)),
                    {"curflg": "N", "todt": RUN_TS, "recupdt": RUN_TS},
                ),
                "expired",
            )
        )
    steps.append(
        Step("insert new keys and versions", _insert_new(shape, stage, only_new=True), "inserted")
    )
    if shape.mapping.on_source_delete == "CLOSE":
        gone = ~exists(select(literal(1)).select_from(stage).where(_join(shape, stage)))
        if shape.history:
            steps.append(
                Step(
                    "close rows gone from the source",
                    update(target)
                    .where(target.c.curflg == "Y", gone)
                    .values(curflg="N", todt=RUN_TS, recupdt=RUN_TS),
                    "deleted",
                )
            )
        else:
            steps.append(
                Step("delete rows gone from the source", delete(target).where(gone), "deleted")
            )
    return steps


def duplicate_keys_query(shape: LoadShape, stage: Table, limit: int = 10) -> Executable:
    keys = [stage.c[k.name] for k in shape.keys]
    return select(*keys).group_by(*keys).having(func.count() > 1).limit(limit)
