"""Key checks on the stage, in SQL (memory stays flat however many keys): repeated keys in
the file, keys already in the table, and whether the table's own unique index may be left
to refuse them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, exists, func, inspect, literal, select
from sqlalchemy.exc import DBAPIError

from dms_desktop.core.uploads.bulk import ROW, _match


def duplicate_keys(
    conn: Connection, stage: Table, keys: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """(row, first row of the key, key values...) for every repeat of a key, by row."""
    cols = [stage.c[k] for k in keys]
    grouped = select(*cols).group_by(*cols).having(func.count() > 1).limit(1)
    if conn.execute(grouped).first() is None:
        return
    ranked = select(
        stage.c[ROW].label("row_"),
        func.min(stage.c[ROW]).over(partition_by=cols).label("first_"),
        func.row_number().over(partition_by=cols, order_by=stage.c[ROW]).label("rn_"),
        *cols,
    ).subquery()
    query = (
        select(ranked.c.row_, ranked.c.first_, *[ranked.c[k] for k in keys])
        .where(ranked.c.rn_ > 1)
        .order_by(ranked.c.row_)
    )
    for row in conn.execute(query.execution_options(yield_per=10_000)):
        yield tuple(row)


def existing_keys(
    conn: Connection, stage: Table, target: Table, keys: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """(row, key values...) of staged rows whose key is already in the target."""
    query = (
        select(stage.c[ROW], *[stage.c[k] for k in keys])
        .where(exists(select(literal(1)).select_from(target).where(_match(target, stage, keys))))
        .order_by(stage.c[ROW])
    )
    for row in conn.execute(query.execution_options(yield_per=10_000)):
        yield tuple(row)


def unique_on(conn: Connection, target: Table, keys: Sequence[str]) -> bool:
    """Does the table itself refuse a repeated key (a primary key or unique index on exactly
    the key columns)? Then an append can leave the check to it."""
    wanted = {k.lower() for k in keys}
    try:
        insp = inspect(conn)
        name, schema = target.name, target.schema
        found: list[list[Any]] = [
            insp.get_pk_constraint(name, schema).get("constrained_columns") or []
        ]
        found += [u["column_names"] for u in insp.get_unique_constraints(name, schema)]
        found += [i["column_names"] for i in insp.get_indexes(name, schema) if i.get("unique")]
    except (DBAPIError, NotImplementedError):
        return False
    return any({str(c).lower() for c in cols if c} == wanted for cols in found if cols)


def has_rows(conn: Connection, target: Table) -> bool:
    return conn.execute(select(literal(1)).select_from(target).limit(1)).first() is not None


def refused_key(exc: DBAPIError) -> bool:
    """Did a unique index refuse a repeated key (PostgreSQL 23505, SQLite UNIQUE)?"""
    code = str(getattr(exc.orig, "pgcode", None) or "")
    return code == "23505" or "unique constraint" in str(exc.orig).lower()


def prefer_memory(conn: Connection) -> None:
    """PostgreSQL: key checks sort and hash in memory, not on disk (this transaction only)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL work_mem = '128MB'")


def drop_rows(conn: Connection, stage: Table, rows: Sequence[int]) -> None:
    for start in range(0, len(rows), 500):
        conn.execute(delete(stage).where(stage.c[ROW].in_(rows[start : start + 500])))
