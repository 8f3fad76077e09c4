"""The target table: its columns as the database describes them, or the DDL of a new one.

Existing tables are found case-insensitively (a user types ``Rates``, PostgreSQL holds
``rates``) and described by SQLAlchemy's inspector; each column's type text becomes a
family, size and scale for the checks. A new table is created unquoted, its name and
column names folded to lower case, so users query it without quotes (see mapping/names.py);
its types are checked per dialect by mapping/types.py. It carries no audit columns: an
upload writes the file's columns, nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Engine, MetaData, Table, inspect
from sqlalchemy.exc import DBAPIError, NoSuchTableError
from sqlalchemy.schema import CreateTable

from dms_desktop.core.errors import DmsError, ValidationError, describe_db_error
from dms_desktop.core.mapping.ddl import TypeText
from dms_desktop.core.mapping.names import MAX_LENGTH, fold, identifier_problem, sa_dialect
from dms_desktop.core.mapping.types import parse_type, shape
from dms_desktop.core.sqlstore.validate import sqlglot_dialect
from dms_desktop.core.uploads.model import ColumnSpec, TargetColumn


def normalised(name: str) -> str:
    """The matching key of a column name: letters and digits only, lower case, no accents
    ("Exchange Rate (EUR)" and exchange_rate_eur match)."""
    plain = unicodedata.normalize("NFKD", name)
    return "".join(c for c in plain if c.isalnum() and not unicodedata.combining(c)).lower()


def plain_name(header: str, dialect: str, taken: set[str] | None = None) -> str:
    """A column or table name for a new table from a file header: lower case, letters,
    digits and _, not reserved, unique among ``taken`` (which it extends)."""
    key = sqlglot_dialect(dialect)
    text = unicodedata.normalize("NFKD", header)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "column"
    if not text[0].isalpha():
        text = f"c_{text}"
    limit = MAX_LENGTH.get(key, 30)
    text = text[:limit].rstrip("_")
    if identifier_problem(text, key):
        text = f"{text[: limit - 6]}_value"
    used = taken if taken is not None else set()
    candidate, number = text, 1
    while candidate in used:
        number += 1
        suffix = f"_{number}"
        candidate = text[: limit - len(suffix)] + suffix
    used.add(candidate)
    return candidate


def resolve_table(engine: Engine, schema: str | None, table: str) -> str | None:
    """The table's name as stored (exact, else case-insensitive), or None when missing."""
    try:
        names = inspect(engine).get_table_names(schema)
    except DBAPIError as exc:
        raise DmsError(f"Cannot list the tables: {describe_db_error(exc)}") from exc
    if table in names:
        return table
    lowered = [n for n in names if n.lower() == table.lower()]
    return lowered[0] if len(lowered) == 1 else None


def describe_table(engine: Engine, schema: str | None, table: str) -> list[TargetColumn]:
    """The columns of an existing table (NotFound-style DmsError when it is missing)."""
    try:
        insp = inspect(engine)
        columns = insp.get_columns(table, schema)
        keys = set(insp.get_pk_constraint(table, schema).get("constrained_columns") or ())
    except NoSuchTableError as exc:
        raise DmsError(f"Table {table} does not exist (any more).") from exc
    except DBAPIError as exc:
        raise DmsError(f"Cannot describe table {table}: {describe_db_error(exc)}") from exc
    rowid = engine.dialect.name == "sqlite" and len(keys) == 1
    out: list[TargetColumn] = []
    for col in columns:
        text = _type_text(col["type"], engine)
        found = shape(text)
        auto = bool(col.get("autoincrement") is True or col.get("identity"))
        if rowid and col["name"] in keys and found.family == "int":
            auto = True  # SQLite's INTEGER PRIMARY KEY is the rowid: filled when omitted
        out.append(
            TargetColumn(
                name=col["name"],
                type_text=text,
                family=found.family,
                size=found.size,
                scale=found.scale,
                nullable=bool(col.get("nullable", True)) and col["name"] not in keys,
                has_default=auto or col.get("default") is not None,
            )
        )
    return out


def _type_text(kind: Any, engine: Engine) -> str:
    try:
        return str(kind.compile(dialect=engine.dialect))
    except Exception:  # noqa: BLE001 - an exotic type still has a name
        return type(kind).__name__.upper()


def planned_columns(columns: Sequence[ColumnSpec], dialect: str) -> list[TargetColumn]:
    """The target columns a new table will have (types checked for the dialect)."""
    key = sqlglot_dialect(dialect)
    out: list[TargetColumn] = []
    seen: set[str] = set()
    for spec in columns:
        problem = identifier_problem(spec.target, key, "column name")
        if problem:
            raise ValidationError(problem)
        if fold(spec.target) in seen:
            raise ValidationError(f"Column {spec.target} appears twice in the new table.")
        seen.add(fold(spec.target))
        try:
            checked = parse_type(spec.data_type, key)
        except ValueError as exc:
            raise ValidationError(f"Column {spec.target}: {exc}") from exc
        out.append(
            TargetColumn(
                name=fold(spec.target),
                type_text=checked.text,
                family=checked.family,
                size=checked.size,
                scale=checked.scale,
                nullable=not (spec.key or spec.required),
            )
        )
    return out


def sa_table(
    name: str, schema: str | None, columns: Sequence[TargetColumn], *, prefixes: Sequence[str] = ()
) -> Table:
    """A SQLAlchemy table whose column types are emitted as the type texts say."""
    return Table(
        name,
        MetaData(),
        *[Column(c.name, TypeText(c.type_text), nullable=c.nullable) for c in columns],
        schema=schema,
        prefixes=list(prefixes),
    )


def create_table_ddl(
    table: str, schema: str | None, columns: Sequence[ColumnSpec], dialect: str
) -> list[str]:
    """CREATE TABLE for a new target (what the wizard shows before creating it)."""
    key = sqlglot_dialect(dialect)
    problem = identifier_problem(table, key, "table name")
    if problem:
        raise ValidationError(problem)
    planned = planned_columns(columns, key)
    if not planned:
        raise ValidationError("A new table needs at least one column.")
    made = sa_table(fold(table), fold(schema) if schema else None, planned)
    return [str(CreateTable(made).compile(dialect=sa_dialect(key))).strip()]
