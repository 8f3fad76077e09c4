"""Read a source that lives in the target database in place, without staging it.

When the extract is one plain read of one table in the target database (PostgreSQL), the
merge reads it through a temporary view instead of a staging table: the copy of the whole
extract, a second pass over that copy and the casts of its loosely typed columns back to the
target's types are spared — what a person writing the load by hand in SQL would do. The
load's transaction is then REPEATABLE READ, so every statement of the merge sees the same
source rows, exactly as if they had been staged (another session changing the target's rows
meanwhile fails the load, unchanged, with a message to run it again).

Whatever would make reading the extract once per merge statement wrong or dear is staged as
before: joins, aggregation, DISTINCT, sorting, LIMIT, set operations, sampling, volatile
functions (random(), nextval(), clock_timestamp()) or functions of the user's (they may read
the target), a source that reads the target table itself, lookups (resolved in the stage) and
an error threshold above 0 (bad rows are removed from the stage). The decision is taken when the plan is compiled, from PostgreSQL's own plan
of the extract, and the stored plan shows the view that runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeEngine

from dms_desktop.core.engine.target import LoadShape, sa_type
from dms_desktop.core.engine.transfer import (
    EXTRACT_ALIAS,
    aliased_extract,
    driver_sql,
    staged_columns,
    staging_table,
)

VIEW = "dms_source"  # lower case, unreserved: the same quoted or not, in every session
_CREATE = f"CREATE TEMPORARY VIEW {VIEW} AS SELECT"
# Plan nodes of a single read of one table: nothing that groups, sorts, joins, limits or samples.
_ONE_READ = frozenset(
    {
        "Seq Scan",
        "Index Scan",
        "Index Only Scan",
        "Bitmap Heap Scan",
        "Bitmap Index Scan",
        "Result",
        "Subquery Scan",
        "Gather",
    }
)
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_$]*)\s*\(")
# A column whose values already have the target's type is compared and hashed as it is.
AS_STORED = "as_stored"


@dataclass(frozen=True)
class SourceView:
    """The temporary view the merge reads instead of a stage, and its DDL."""

    table: Table
    ddl: str

    def create(self, conn: Connection) -> None:
        conn.exec_driver_sql(driver_sql(conn.dialect, self.ddl))

    def drop(self, conn: Connection) -> None:
        conn.exec_driver_sql(f"DROP VIEW {VIEW}")


def eligible(shape: LoadShape, same_connection: bool, error_threshold: int) -> bool:
    """What the mapping alone decides: PostgreSQL, source in the target's connection, no
    lookup to resolve, no bad row to set aside."""
    return (
        same_connection
        and shape.dialect == "postgresql"
        and error_threshold == 0
        and not any(c.lookup for c in shape.columns)
    )


def probe(conn: Connection, shape: LoadShape, extract_sql: str) -> SourceView | None:
    """The view over ``extract_sql`` when the extract is one plain read of a table other than
    the target, else None. Looked at in a savepoint that is rolled back: nothing remains."""
    source = aliased_extract(conn.dialect, extract_sql, staged_columns(shape))
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql(driver_sql(conn.dialect, f"{_CREATE} * FROM {source}"))
        plan = conn.exec_driver_sql(
            f"EXPLAIN (FORMAT JSON, VERBOSE) SELECT * FROM {VIEW}"
        ).scalar_one()
        if not _one_read(conn, _plan_root(plan), shape.target.name):
            return None
        found = {c["name"]: c["type"] for c in inspect(conn).get_columns(VIEW)}
    except DBAPIError:
        return None  # the staged path reports what is wrong with the SQL, in its words
    finally:
        savepoint.rollback()
    return _view(conn, shape, source, found)


def _plan_root(plan: Any) -> dict[str, Any]:
    data = json.loads(plan) if isinstance(plan, str) else plan
    root: dict[str, Any] = data[0]["Plan"]
    return root


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _one_read(conn: Connection, root: dict[str, Any], target: str) -> bool:
    nodes = list(_nodes(root))
    if any(n["Node Type"] not in _ONE_READ or "Subplan Name" in n for n in nodes):
        return False
    reads = [n["Relation Name"] for n in nodes if "Relation Name" in n]
    if len(reads) != 1 or reads[0].lower() == target.lower():
        return False
    expressions = []
    for n in nodes:
        expressions += n.get("Output", [])
        expressions += [n[k] for k in ("Filter", "Index Cond", "Recheck Cond") if k in n]
    called = sorted({m.group(1) for m in _CALL.finditer(" ".join(expressions))})
    if not called:
        return True
    # By name, so conservatively: a volatile function of that name, or any function of that
    # name outside pg_catalog (a user's function may read the target), stages.
    unsafe = conn.execute(
        text(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = ANY(:names) AND (p.provolatile = 'v' OR n.nspname <> 'pg_catalog') "
            "LIMIT 1"
        ),
        {"names": called},
    ).first()
    return unsafe is None


def _view(
    conn: Connection, shape: LoadShape, source: str, found: dict[str, TypeEngine[Any]]
) -> SourceView:
    """Each column as the source has it when that is the target's type; otherwise cast to the
    type the staging table would give it, so checks, comparisons and hashes see what a
    stage would hold."""
    dialect = conn.dialect
    prep = dialect.identifier_preparer
    loose = staging_table(shape, 0, {})
    columns: list[Column[Any]] = []
    selected: list[str] = []
    for col in shape.columns:
        quoted = prep.quote(col.name)
        have = found.get(col.name)
        if have is not None and _same(have, sa_type(col.type), dialect):
            stored = shape.target.c[col.name].type
            columns.append(Column(col.name, stored, info={AS_STORED: True}))
            selected.append(f"{EXTRACT_ALIAS}.{quoted}")
        else:
            kind = loose.c[col.name].type
            columns.append(Column(col.name, kind))
            selected.append(
                f"CAST({EXTRACT_ALIAS}.{quoted} AS {kind.compile(dialect=dialect)}) AS {quoted}"
            )
    ddl = f"{_CREATE} {', '.join(selected)} FROM {source}"
    return SourceView(Table(VIEW, MetaData(), *columns), ddl)


def _same(have: TypeEngine[Any], wanted: TypeEngine[Any], dialect: Any) -> bool:
    try:
        return bool(have.compile(dialect=dialect) == wanted.compile(dialect=dialect))
    except Exception:  # noqa: BLE001 - a type the dialect cannot render: cast it
        return False
