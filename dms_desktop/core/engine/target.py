"""The shape of a load: target and staging tables as SQLAlchemy objects, per column roles.

Names are folded to lower case, so SQLAlchemy emits them unquoted and every database folds
them its own way (``dim_customer`` on PostgreSQL, ``DIM_CUSTOMER`` on Oracle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import oracle
from sqlalchemy.types import TypeEngine

from dms_desktop.core.engine import hashing
from dms_desktop.core.mapping.ddl import has_history, target_table
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.names import fold
from dms_desktop.core.mapping.types import TargetType, parse_type

END_OF_TIME = datetime(9999, 12, 31)
UNKNOWN_MEMBER = -1
LOOKUP_PREFIX = "lk_"

_CATEGORY = {
    "int": hashing.NUMBER,
    "decimal": hashing.NUMBER,
    "float": hashing.FLOAT,
    "string": hashing.TEXT,
    "char": hashing.CHAR,
    "text": hashing.TEXT,
    "date": hashing.DATE,
    "timestamp": hashing.TIMESTAMP,
    "boolean": hashing.BOOLEAN,
}
Timestamp = DateTime().with_variant(oracle.TIMESTAMP(), "oracle")


def sa_type(target: TargetType) -> TypeEngine[Any]:
    """The SQLAlchemy type of a checked target type (what COPY/executemany bind to)."""
    family, size, scale = target.family, target.size, target.scale
    if family == "int":
        return {1: SmallInteger(), 2: SmallInteger(), 4: Integer()}.get(size or 8, BigInteger())
    if family == "decimal":
        return Numeric(size, scale) if size else Numeric()
    if family == "float":
        return Float()
    if family == "string":
        return String(size)
    if family == "char":
        return CHAR(size)
    if family == "date":
        return Date()
    if family == "timestamp":
        return Timestamp
    if family == "boolean":
        return Boolean()
    return Text()


@dataclass(frozen=True)
class LoadColumn:
    """A business column of the load with everything the engine needs to know."""

    spec: MappingColumn
    name: str  # folded
    type: TargetType
    category: str

    @property
    def key(self) -> bool:
        return self.spec.key

    @property
    def scd2(self) -> bool:
        return (self.spec.scd_type or "") == "2"

    @property
    def lookup(self) -> bool:
        return bool(self.spec.lookup_table)

    @property
    def staged_name(self) -> str:
        """Lookup columns arrive as the raw business key, resolved on the target."""
        return LOOKUP_PREFIX + self.name if self.lookup else self.name


@dataclass(frozen=True)
class LoadShape:
    mapping: Mapping
    dialect: str  # SQLAlchemy backend name of the target: postgresql, sqlite, oracle
    schema: str | None
    columns: tuple[LoadColumn, ...]
    target: Table
    history: bool  # a type-2 dimension: CURFLG, FROMDT, TODT
    high_date: datetime = END_OF_TIME  # TODT of current versions (ENGINE.SCD2_HIGH_DATE)

    @property
    def keys(self) -> list[LoadColumn]:
        return sorted((c for c in self.columns if c.key), key=lambda c: c.spec.key_seq or 0)

    @property
    def attributes(self) -> list[LoadColumn]:
        """Non-key business columns, in mapping order: what RWHKEY covers."""
        return [c for c in self.columns if not c.key]

    @property
    def upsert(self) -> bool:
        return self.mapping.table_type in ("FACT", "DIMENSION") and bool(self.keys)


def load_shape(
    mapping: Mapping, dialect: str, schema: str | None, high_date: datetime = END_OF_TIME
) -> LoadShape:
    """The target table exactly as the mapping's DDL creates it (core.mapping.ddl)."""
    sqlglot_name = {"postgresql": "postgres"}.get(dialect, dialect)
    columns = []
    for spec in mapping.columns:  # the extract's order (repository: EXCSEQ)
        checked = parse_type(spec.data_type, sqlglot_name)
        columns.append(
            LoadColumn(spec, fold(spec.name), checked, _CATEGORY.get(checked.family, hashing.TEXT))
        )
    target = target_table(mapping, dialect, schema)
    return LoadShape(
        mapping, dialect, schema, tuple(columns), target, has_history(mapping), high_date
    )
