"""The target table of a mapping: CREATE, the ALTERs that make an existing one fit, applying.

The table is a SQLAlchemy ``Table`` compiled for the target dialect, names in lower case so
they are emitted unquoted and folded the database's way. Business columns carry the type text
the user chose (checked per dialect), audit columns the engine's: SKEY identity key, RECCRDT,
RECUPDT (timestamps without time zone), RWHKEY CHAR(32) and, for dimensions with a type-2
column, CURFLG/FROMDT/TODT. Indexes: the business key, and (key, CURFLG) for dimensions.
They are not unique: type-2 history repeats keys, and the engine reports duplicates itself.

An existing table is compared through the inspector: new columns are added, widened
types altered; dropped, narrowed or re-typed columns are listed as destructive and never
applied. PostgreSQL and SQLite run the statements in one transaction; Oracle and MySQL
commit each DDL statement implicitly, so a failure there leaves the earlier ones applied
(the message says which).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    Column,
    DateTime,
    Engine,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    inspect,
)
from sqlalchemy.dialects import mysql, oracle
from sqlalchemy.engine import Dialect as SaDialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.types import TypeEngine, UserDefinedType

from dms_desktop.core.catalog import Catalog
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import DmsError, ValidationError, describe_db_error
from dms_desktop.core.mapping.model import Mapping
from dms_desktop.core.mapping.names import MAX_LENGTH, fold, sa_dialect
from dms_desktop.core.mapping.types import parse_type, shape, widens
from dms_desktop.core.mapping.validate import ValidationContext, check_mapping
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.validate import sqlglot_dialect
from dms_desktop.core.workspace import Workspace

TRANSACTIONAL_DDL = ("postgres", "sqlite")
DDL_FIELDS = ("table_name", "target_schema", "table_type", "name", "data_type")
Timestamp = (
    DateTime()
    .with_variant(oracle.TIMESTAMP(), "oracle")
    .with_variant(mysql.DATETIME(fsp=6), "mysql")
)


class TypeText(UserDefinedType[Any]):
    """A column type emitted exactly as the (checked, normalised) text says."""

    cache_ok = True

    def __init__(self, text: str) -> None:
        self.text = text

    def get_col_spec(self, **_kw: Any) -> str:
        return self.text


@dataclass(frozen=True)
class DdlPlan:
    """What would make the target fit the mapping; ``destructive`` is never applied."""

    statements: list[str]
    destructive: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exists: bool = False  # the table exists: statements are ALTERs (or nothing)


def _ddl_problems(mapping: Mapping, dialect: str) -> None:
    problems = [
        p
        for p in check_mapping(mapping, ValidationContext(target_dialect=dialect))
        if p.field in DDL_FIELDS
    ]
    if problems:
        listed = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValidationError(f"No DDL for mapping {mapping.ref}: {listed}{more}.")


def has_history(mapping: Mapping) -> bool:
    return mapping.table_type == "DIMENSION" and any(c.scd_type == "2" for c in mapping.columns)


def _index_name(table: str, suffix: str, dialect: str) -> str:
    name = f"ix_{table}_{suffix}"
    limit = MAX_LENGTH.get(dialect, 30)
    if len(name) <= limit:
        return name
    digest = hashlib.sha1(table.encode()).hexdigest()[:6]
    keep = limit - len(f"ix__{digest}_{suffix}")
    return f"ix_{table[:keep]}_{digest}_{suffix}"


def target_table(mapping: Mapping, dialect: str, schema: str | None = None) -> Table:
    """The SQLAlchemy table of the target (the engine compiles its statements against it)."""
    key = sqlglot_dialect(dialect)
    _ddl_problems(mapping, key)
    name = fold(mapping.table_name)
    where = schema if schema is not None else mapping.target_schema
    skey_type: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")
    columns: list[Column[Any]] = [Column("skey", skey_type, Identity(), primary_key=True)]
    for col in mapping.columns:
        kind = TypeText(parse_type(col.data_type, key).text)
        columns.append(Column(fold(col.name), kind, nullable=not col.key))
    if has_history(mapping):
        columns += [
            Column("curflg", CHAR(1), nullable=False),
            Column("fromdt", Timestamp, nullable=False),
            Column("todt", Timestamp, nullable=False),
        ]
    columns += [
        Column("rwhkey", CHAR(32), nullable=False),
        Column("reccrdt", Timestamp, nullable=False),
        Column("recupdt", Timestamp),
    ]
    table = Table(
        name, MetaData(), *columns, schema=fold(where) if where else None, sqlite_autoincrement=True
    )
    keys = [table.c[fold(c.name)] for c in mapping.keys]
    if keys:
        Index(_index_name(name, "bk", key), *keys)
        if "curflg" in table.c:
            Index(_index_name(name, "bkcur", key), *keys, table.c.curflg)
    return table


def target_ddl(mapping: Mapping, dialect: str, schema: str | None = None) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements for the target dialect (no trailing ';')."""
    table = target_table(mapping, dialect, schema)
    compiler = sa_dialect(sqlglot_dialect(dialect))
    statements = [str(CreateTable(table).compile(dialect=compiler)).strip()]
    statements += [
        str(CreateIndex(ix).compile(dialect=compiler)).strip()
        for ix in sorted(table.indexes, key=lambda i: str(i.name))
    ]
    return statements


# --- ALTER ---------------------------------------------------------------------------------


def _reflected_type(column: Any, dialect: SaDialect) -> str:
    try:
        return str(column["type"].compile(dialect=dialect))
    except Exception:  # noqa: BLE001 - a type SQLAlchemy cannot render still has a name
        return str(column["type"])


def _same_boolean(old_text: str, new_family: str) -> bool:
    """MySQL stores BOOLEAN as TINYINT(1), Oracle-style flags as NUMBER(1)."""
    return new_family == "boolean" and old_text.upper().replace(" ", "") in ("TINYINT(1)",)


class _AlterWriter:
    def __init__(self, table: Table, dialect: str) -> None:
        self.table = table
        self.dialect = dialect
        self.compiler = sa_dialect(dialect)
        prep = self.compiler.identifier_preparer
        self.table_sql = prep.format_table(table)
        self.quote = prep.quote

    def type_sql(self, column: Column[Any]) -> str:
        return str(column.type.compile(dialect=self.compiler))

    def add(self, column: Column[Any]) -> str:
        spec = f"{self.quote(column.name)} {self.type_sql(column)}"
        if self.dialect == "oracle":
            return f"ALTER TABLE {self.table_sql} ADD ({spec})"
        return f"ALTER TABLE {self.table_sql} ADD COLUMN {spec}"

    def widen(self, column: Column[Any], nullable: bool) -> str | None:
        name, kind = self.quote(column.name), self.type_sql(column)
        if self.dialect == "postgres":
            return f"ALTER TABLE {self.table_sql} ALTER COLUMN {name} TYPE {kind}"
        if self.dialect == "oracle":
            return f"ALTER TABLE {self.table_sql} MODIFY ({name} {kind})"
        if self.dialect == "mysql":  # MODIFY restates the column: keep NOT NULL
            return f"ALTER TABLE {self.table_sql} MODIFY COLUMN {name} {kind}" + (
                "" if nullable else " NOT NULL"
            )
        return None  # SQLite cannot change a column's type


def alter_ddl(mapping: Mapping, engine: Engine, dialect: str, schema: str | None = None) -> DdlPlan:
    """CREATE statements when the table is missing, else the ALTERs that make it fit."""
    key = sqlglot_dialect(dialect)
    table = target_table(mapping, key, schema)
    insp = inspect(engine)
    if not insp.has_table(table.name, schema=table.schema):
        return DdlPlan(target_ddl(mapping, key, schema))
    existing = {c["name"].lower(): c for c in insp.get_columns(table.name, schema=table.schema)}
    writer = _AlterWriter(table, key)
    statements: list[str] = []
    destructive: list[str] = []
    notes: list[str] = []
    business = {fold(c.name) for c in mapping.columns}
    for column in table.columns:
        found = existing.get(column.name)
        if found is None:
            if column.name == "skey":
                destructive.append("SKEY is missing: the table must be rebuilt by hand.")
                continue
            statements.append(writer.add(column))
            if not column.nullable:
                notes.append(
                    f"{column.name.upper()} is added without NOT NULL: existing rows have no "
                    "value; reload the table."
                )
            continue
        if column.name not in business:
            continue
        old_text = _reflected_type(found, engine.dialect)
        old, new = shape(old_text), shape(writer.type_sql(column))
        change = widens(old, new)
        if change is None or _same_boolean(old_text, new.family):
            continue
        label = f"{column.name.upper()} {old_text} -> {new.text}"
        if not change:
            destructive.append(f"{label}: narrower or another type; change it by hand.")
            continue
        statement = writer.widen(column, bool(found.get("nullable", True)))
        if statement is None:
            destructive.append(f"{label}: SQLite cannot alter a column type (rebuild the table).")
        else:
            statements.append(statement)
    for name in sorted(existing.keys() - {c.name for c in table.columns}):
        destructive.append(f"{name.upper()} is not in the mapping: drop it by hand if intended.")
    statements += _missing_indexes(table, insp, key, destructive)
    return DdlPlan(statements, destructive, notes, exists=True)


def _missing_indexes(table: Table, insp: Any, dialect: str, destructive: list[str]) -> list[str]:
    found = {
        str(ix["name"]).lower(): [str(c).lower() for c in ix["column_names"] if c]
        for ix in insp.get_indexes(table.name, schema=table.schema)
        if ix.get("name")
    }
    compiler = sa_dialect(dialect)
    out: list[str] = []
    for ix in sorted(table.indexes, key=lambda i: str(i.name)):
        wanted = [c.name for c in ix.columns]
        have = found.get(str(ix.name).lower())
        if have is None:
            out.append(str(CreateIndex(ix).compile(dialect=compiler)).strip())
        elif have != wanted:
            destructive.append(
                f"Index {ix.name} is on ({', '.join(have)}), the key is now "
                f"({', '.join(wanted)}): drop it by hand, then apply again."
            )
    return out


# --- applying ------------------------------------------------------------------------------


def _run(engine: Engine, dialect: str, statements: Iterable[str]) -> None:
    todo = list(statements)
    if dialect == "sqlite":  # pysqlite would autocommit DDL: hold the transaction ourselves
        raw = engine.raw_connection()
        try:
            dbapi: Any = raw.dbapi_connection
            cur = dbapi.cursor()
            try:
                cur.execute("BEGIN")
                for statement in todo:
                    cur.execute(statement)
                cur.execute("COMMIT")
            except BaseException:
                if dbapi.in_transaction:
                    cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()
        finally:
            raw.close()
        return
    if dialect in TRANSACTIONAL_DDL:
        with engine.begin() as conn:
            for statement in todo:
                conn.exec_driver_sql(statement)
        return
    done = 0
    try:
        with engine.connect() as conn:
            for statement in todo:
                conn.exec_driver_sql(statement)
                done += 1
            conn.commit()
    except DBAPIError as exc:
        raise DmsError(
            f"Statement {done + 1} of {len(todo)} failed ({describe_db_error(exc)}); "
            f"{done} before it were committed (this database commits DDL at once)."
        ) from exc


def apply_ddl(ws: Workspace, actor: CurrentUser, mapping: Mapping) -> DdlPlan:
    """Create the target table, or apply the safe ALTERs; returns what was run."""
    actor.require("mapper", "edit")
    if mapping.target_conid is None:
        raise ValidationError(f"Mapping {mapping.ref} has no target connection: choose one.")
    connections = ConnectionService(ws, actor)
    dialect = connections.get(mapping.target_conid).dialect
    engine = connections.engine(mapping.target_conid)
    try:
        plan = alter_ddl(mapping, engine, dialect)
    except DBAPIError as exc:
        raise DmsError(
            f"Cannot read the target table of {mapping.ref}: {describe_db_error(exc)}"
        ) from exc
    if plan.statements:
        key = sqlglot_dialect(dialect)
        try:
            _run(engine, key, plan.statements)
        except DBAPIError as exc:
            undone = " and was rolled back" if key in TRANSACTIONAL_DDL else ""
            raise DmsError(
                f"The DDL of {mapping.ref} failed{undone}: {describe_db_error(exc)}"
            ) from exc
        Catalog(engine, dialect).refresh()
    return plan
