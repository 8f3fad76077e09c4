"""A mapping: how one target table is built from one managed source query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

TABLE_TYPES = ("DIMENSION", "FACT", "STAGING")
COMBINE_CODES = ("SUM", "MIN", "MAX", "COUNT", "AVG")
SCD_TYPES = ("1", "2")
ON_SOURCE_DELETE = ("IGNORE", "CLOSE")
FREQUENCY_CODES = ("YR", "HY", "QT", "MN", "FN", "WK", "DL", "ID")
# Columns the engine adds to every target; business columns may not use these names.
AUDIT_COLUMNS = ("SKEY", "RECCRDT", "RECUPDT", "RWHKEY", "CURFLG", "FROMDT", "TODT")


@dataclass
class MappingColumn:
    """One target column (a DMS_MAPRDTL row)."""

    name: str
    data_type: str
    key: bool = False
    key_seq: int | None = None
    description: str | None = None
    logic: str | None = None  # one SQL expression over the source query's columns
    lookup_table: str | None = None  # target-side table resolved by key_column -> value_column
    key_column: str | None = None
    value_column: str | None = None
    combine: str | None = None  # SUM MIN MAX COUNT AVG
    exec_seq: int | None = None
    scd_type: str | None = None  # "1" overwrite, "2" history (dimensions)
    mapdtlid: int | None = None

    def content(self) -> tuple[object, ...]:
        """What makes two versions of a column equal (ids excluded)."""
        return (
            self.name,
            self.data_type,
            self.key,
            self.key_seq,
            self.description,
            self.logic,
            self.lookup_table,
            self.key_column,
            self.value_column,
            self.combine,
            self.exec_seq,
            self.scd_type,
        )


@dataclass
class Mapping:
    """A DMS_MAPR row and its columns."""

    ref: str
    table_name: str
    table_type: str
    sql_code: str | None = None
    description: str | None = None
    source_system: str | None = None
    target_conid: int | None = None
    target_schema: str | None = None
    freq_code: str | None = None
    bulk_rows: int | None = None
    on_source_delete: str = "IGNORE"
    error_threshold: int | None = None
    columns: list[MappingColumn] = field(default_factory=list)
    # set by the repository
    mapid: int | None = None
    version: int = 0
    current: bool = True
    validated: bool = False
    validated_at: datetime | None = None
    updated: datetime | None = None
    updated_by: str | None = None

    def content(self) -> tuple[object, ...]:
        """What a save compares to decide whether a new version is needed."""
        return (
            self.ref,
            self.table_name,
            self.table_type,
            self.sql_code,
            self.description,
            self.source_system,
            self.target_conid,
            self.target_schema,
            self.freq_code,
            self.bulk_rows,
            self.on_source_delete,
            self.error_threshold,
            tuple(c.content() for c in self.columns),
        )

    @property
    def keys(self) -> list[MappingColumn]:
        return sorted((c for c in self.columns if c.key), key=lambda c: (c.key_seq or 0, c.name))
