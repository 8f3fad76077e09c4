"""Validate a mapping in one call: every rule, a constant number of database round trips.

``check_mapping`` is pure: it applies the rules to a mapping and what the databases said
(``ValidationContext``). ``validate_mapping`` gathers that context with a fixed number of
reads, whatever the column count: the target connection, the source query and its cached
described columns (or one describe when none are cached), and one catalog read per distinct
lookup table. The outcome replaces the mapping version's rows in DMS_MAPERR and sets
LGVRFYFLG. Problems name the column and the field (a ``MappingColumn`` attribute, or a
``Mapping`` attribute when ``column`` is None) so the grid can paint the cell.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import delete

from dms_desktop.core import clock
from dms_desktop.core.catalog import Catalog
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import DmsError, NotFound
from dms_desktop.core.mapping.logic import LogicError, parse_logic, unknown_columns
from dms_desktop.core.mapping.model import (
    AUDIT_COLUMNS,
    COMBINE_CODES,
    FREQUENCY_CODES,
    ON_SOURCE_DELETE,
    SCD_TYPES,
    TABLE_TYPES,
    Mapping,
    MappingColumn,
)
from dms_desktop.core.mapping.names import fold, identifier_problem
from dms_desktop.core.mapping.repository import REF_PATTERN, MappingService
from dms_desktop.core.mapping.types import NUMERIC_FAMILIES, parse_type
from dms_desktop.core.metadata.engine import write_tx
from dms_desktop.core.metadata.tables import dms_maperr
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace

MAX_DESCRIPTION = 500


@dataclass(frozen=True)
class MappingProblem:
    column: str | None  # None: the mapping header
    field: str  # attribute of MappingColumn (or of Mapping when column is None)
    message: str

    def __str__(self) -> str:
        where = f"{self.column}.{self.field}" if self.column else self.field
        return f"{where}: {self.message}"


@dataclass
class ValidationContext:
    """What the databases told: dialects, source columns, lookup tables' columns.

    ``None`` means unknown (its problem is reported once on the header), so the rules that
    need it are skipped instead of flooding every column with the same error.
    """

    target_dialect: str | None = None
    source_dialect: str | None = None
    source_columns: list[str] | None = None
    lookup_columns: dict[str, list[str] | None] = field(default_factory=dict)  # UPPER name
    problems: list[MappingProblem] = field(default_factory=list)  # found while gathering


class _Checker:
    def __init__(self, mapping: Mapping, ctx: ValidationContext) -> None:
        self.m = mapping
        self.ctx = ctx
        self.out: list[MappingProblem] = list(ctx.problems)

    def add(self, column: MappingColumn | None, fld: str, message: str) -> None:
        self.out.append(MappingProblem(column.name if column else None, fld, message))

    def run(self) -> list[MappingProblem]:
        self.header()
        if not self.m.columns:
            self.add(None, "columns", "The mapping has no columns: add at least one.")
        self.names()
        self.keys()
        for col in self.m.columns:
            self.column(col)
        return self.out

    # --- the mapping as a whole --------------------------------------------------------

    def header(self) -> None:
        m, dialect = self.m, self.ctx.target_dialect
        if not REF_PATTERN.match(m.ref or ""):
            self.add(None, "ref", "Use up to 50 letters, digits and _, starting with a letter.")
        if m.table_type not in TABLE_TYPES:
            self.add(None, "table_type", f"Choose one of {', '.join(TABLE_TYPES)}.")
        self._identifier(None, "table_name", m.table_name, dialect, "table name")
        if m.target_schema and dialect == "sqlite" and m.target_schema.lower() != "main":
            self.add(None, "target_schema", "A SQLite target has no schemas: leave it empty.")
        elif m.target_schema:
            self._identifier(None, "target_schema", m.target_schema, dialect, "schema")
        if m.target_conid is None:
            self.add(None, "target_conid", "Choose the target connection.")
        if not (m.sql_code or "").strip():
            self.add(None, "sql_code", "Choose the source SQL (a managed query).")
        if m.freq_code and m.freq_code not in FREQUENCY_CODES:
            self.add(None, "freq_code", f"Use one of {', '.join(FREQUENCY_CODES)}.")
        if m.bulk_rows is not None and m.bulk_rows < 1:
            self.add(None, "bulk_rows", "Bulk rows must be a positive number (e.g. 10000).")
        if m.error_threshold is not None and m.error_threshold < 0:
            self.add(None, "error_threshold", "The error threshold cannot be negative.")
        if m.on_source_delete not in ON_SOURCE_DELETE:
            self.add(None, "on_source_delete", f"Use one of {', '.join(ON_SOURCE_DELETE)}.")
        elif m.on_source_delete == "CLOSE" and m.table_type != "DIMENSION":
            self.add(
                None,
                "on_source_delete",
                "Only a DIMENSION can close the versions of rows gone from the source.",
            )
        if m.description and len(m.description) > MAX_DESCRIPTION:
            self.add(None, "description", f"Keep the description within {MAX_DESCRIPTION}.")

    def _identifier(
        self, col: MappingColumn | None, fld: str, name: str | None, dialect: str | None, what: str
    ) -> bool:
        problem = identifier_problem(name, dialect, what)
        if problem:
            self.add(col, fld, problem)
        return problem is None

    def names(self) -> None:
        seen: set[str] = set()
        for col in self.m.columns:
            if not self._identifier(col, "name", col.name, self.ctx.target_dialect, "column name"):
                continue
            key = col.name.upper()
            if key in AUDIT_COLUMNS:
                self.add(
                    col,
                    "name",
                    f"{col.name} is an audit column the engine adds itself "
                    f"({', '.join(AUDIT_COLUMNS)}): rename the business column.",
                )
            if key in seen:
                self.add(col, "name", f"Column {col.name} appears twice: rename one of them.")
            seen.add(key)

    def keys(self) -> None:
        keys = [c for c in self.m.columns if c.key]
        if not keys and self.m.table_type == "DIMENSION":
            self.add(None, "key", "A DIMENSION needs a business key: flag at least one column.")
        for col in self.m.columns:
            if col.key_seq is not None and not col.key:
                self.add(
                    col, "key_seq", "A key sequence without the key flag: tick Key or clear it."
                )
            elif col.key and col.key_seq is None:
                self.add(col, "key_seq", f"Give the key a sequence (1 to {len(keys)}).")
        expected = set(range(1, len(keys) + 1))
        taken: set[int] = set()
        for col in keys:
            if col.key_seq is None:
                continue
            if col.key_seq not in expected:
                self.add(col, "key_seq", f"Key sequences must run 1 to {len(keys)} without gaps.")
            elif col.key_seq in taken:
                self.add(col, "key_seq", f"Key sequence {col.key_seq} is used twice.")
            taken.add(col.key_seq)

    # --- one column --------------------------------------------------------------------

    def column(self, col: MappingColumn) -> None:
        family = None
        try:
            family = parse_type(col.data_type, self.ctx.target_dialect).family
        except ValueError as exc:
            self.add(col, "data_type", str(exc))
        self.scd(col)
        self.combine(col, family)
        self.logic(col)
        self.lookup(col)
        if col.exec_seq is not None and col.exec_seq < 1:
            self.add(col, "exec_seq", "The execution sequence must be 1 or more.")
        if col.description and len(col.description) > MAX_DESCRIPTION:
            self.add(col, "description", f"Keep the description within {MAX_DESCRIPTION}.")

    def scd(self, col: MappingColumn) -> None:
        kind = self.m.table_type
        if col.scd_type is not None and col.scd_type not in SCD_TYPES:
            self.add(col, "scd_type", "The SCD type is 1 (overwrite) or 2 (keep history).")
        elif kind == "DIMENSION" and col.key and col.scd_type:
            self.add(col, "scd_type", "A key column has no SCD type: clear it.")
        elif kind == "DIMENSION" and not col.key and not col.scd_type:
            self.add(col, "scd_type", "Choose SCD type 1 (overwrite) or 2 (keep history).")
        elif kind in ("FACT", "STAGING") and col.scd_type:
            self.add(col, "scd_type", f"A {kind} table keeps no history: clear the SCD type.")

    def combine(self, col: MappingColumn, family: str | None) -> None:
        code = col.combine
        if not code:
            return
        if code not in COMBINE_CODES:
            self.add(col, "combine", f"Use one of {', '.join(COMBINE_CODES)} (or nothing).")
        elif col.key:
            self.add(
                col,
                "combine",
                f"A key column cannot be aggregated ({code}): the keys "
                "are what the rows are grouped by.",
            )
        elif col.lookup_table:
            self.add(col, "combine", "A looked-up column cannot be aggregated.")
        elif code in ("SUM", "AVG") and family and family not in NUMERIC_FAMILIES:
            self.add(col, "combine", f"{code} needs a numeric data type, not {col.data_type}.")

    def logic(self, col: MappingColumn) -> None:
        source = self.ctx.source_columns
        text = (col.logic or "").strip()
        if not text:
            if source is not None and unknown_columns([col.name], source):
                self.add(
                    col,
                    "logic",
                    f"No logic and no source column named {col.name}: write the logic"
                    f"{_hint(col.name, source)}.",
                )
            return
        try:
            parsed = parse_logic(text, self.ctx.source_dialect or "")
        except LogicError as exc:
            self.add(col, "logic", str(exc))
            return
        if source is not None:
            missing = unknown_columns(parsed.columns, source)
            if missing:
                self.add(
                    col,
                    "logic",
                    f"Unknown source column {', '.join(missing)}{_hint(missing[0], source)}.",
                )

    def lookup(self, col: MappingColumn) -> None:
        table, key, value = col.lookup_table, col.key_column, col.value_column
        if not table:
            if key or value:
                self.add(col, "lookup_table", "Key and value columns need a lookup table.")
            return
        dialect = self.ctx.target_dialect
        ok = self._identifier(col, "lookup_table", table, dialect, "lookup table")
        if not key:
            self.add(col, "key_column", "Name the lookup table's column matched by the logic.")
        if not value:
            self.add(col, "value_column", "Name the lookup table's column to take the value from.")
        if not ok or table.upper() not in self.ctx.lookup_columns:
            return
        available = self.ctx.lookup_columns[table.upper()]
        if available is None:
            self.add(
                col,
                "lookup_table",
                f"Table {table} does not exist on the target connection: create it first "
                "(e.g. the DDL of the mapping that loads it).",
            )
            return
        for fld, name in (("key_column", key), ("value_column", value)):
            if name and unknown_columns([name], available):
                self.add(col, fld, f"{table} has no column {name}{_hint(name, available)}.")


def _hint(name: str, available: list[str]) -> str:
    close = difflib.get_close_matches(name.upper(), [a.upper() for a in available], n=1)
    if close:
        return f" (did you mean {close[0]}?)"
    return ""


def check_mapping(mapping: Mapping, ctx: ValidationContext) -> list[MappingProblem]:
    """Every rule, applied without touching a database."""
    return _Checker(mapping, ctx).run()


# --- gathering the context -----------------------------------------------------------------


def gather_context(ws: Workspace, actor: CurrentUser, mapping: Mapping) -> ValidationContext:
    """Ask the databases what the rules need, in a constant number of round trips."""
    ctx = ValidationContext()
    connections = ConnectionService(ws, actor)
    if mapping.target_conid is not None:
        try:
            ctx.target_dialect = connections.get(mapping.target_conid).dialect
        except NotFound:
            ctx.problems.append(
                MappingProblem(None, "target_conid", "The target connection no longer exists.")
            )
    if (mapping.sql_code or "").strip():
        _source(ctx, connections, SqlService(ws, actor), mapping.sql_code or "")
    if ctx.target_dialect is not None and mapping.target_conid is not None:
        _lookups(ctx, connections, mapping)
    return ctx


def _source(
    ctx: ValidationContext, connections: ConnectionService, sql: SqlService, code: str
) -> None:
    try:
        managed = sql.get(code)
    except NotFound:
        ctx.problems.append(MappingProblem(None, "sql_code", f"No managed SQL '{code}'."))
        return
    if managed.conid is None:
        ctx.problems.append(
            MappingProblem(None, "sql_code", f"SQL '{code}' has no connection: set one.")
        )
        return
    try:
        ctx.source_dialect = connections.get(managed.conid).dialect
        if managed.verified and managed.columns:
            ctx.source_columns = [c.name for c in managed.columns]
            return
        result = sql.validate(managed.code)  # describes once and caches the columns
    except DmsError as exc:
        ctx.problems.append(MappingProblem(None, "sql_code", f"SQL '{code}': {exc.message}"))
        return
    if not result.ok:
        first = result.problems[0] if result.problems else "it does not validate"
        ctx.problems.append(MappingProblem(None, "sql_code", f"SQL '{code}' is not valid: {first}"))
        return
    ctx.source_columns = [c.name for c in result.columns]


def _lookups(ctx: ValidationContext, connections: ConnectionService, mapping: Mapping) -> None:
    assert mapping.target_conid is not None
    tables = sorted(
        {
            c.lookup_table.upper()
            for c in mapping.columns
            if c.lookup_table and identifier_problem(c.lookup_table, ctx.target_dialect) is None
        }
    )
    if not tables:
        return
    schema = fold(mapping.target_schema) if mapping.target_schema else None
    try:
        catalog = Catalog(connections.engine(mapping.target_conid), ctx.target_dialect or "")
        for table in tables:
            try:
                ctx.lookup_columns[table] = [c.name for c in catalog.columns(schema, fold(table))]
            except NotFound:
                ctx.lookup_columns[table] = None
    except DmsError as exc:
        ctx.problems.append(
            MappingProblem(None, "target_conid", f"Cannot read the lookup tables: {exc.message}")
        )


def validate_mapping(
    ws: Workspace, actor: CurrentUser, mapping: Mapping, *, record: bool = True
) -> list[MappingProblem]:
    """All problems of ``mapping`` (empty: valid).

    With ``record``, a saved version (``mapid``) and an actor who may edit mappings, the
    problems replace that version's rows in DMS_MAPERR and LGVRFYFLG says whether it is
    clean. An editor validating unsaved changes passes ``record=False``: the stored version
    is not what was checked.
    """
    actor.require("mapper", "view")
    problems = check_mapping(mapping, gather_context(ws, actor, mapping))
    if record and mapping.mapid is not None and actor.can("mapper", "edit"):
        _record(ws, actor, mapping, problems)
    return problems


def _record(
    ws: Workspace, actor: CurrentUser, mapping: Mapping, problems: list[MappingProblem]
) -> None:
    now = clock.utcnow()
    ids = {c.name.upper(): c.mapdtlid for c in mapping.columns if c.name}
    with write_tx(ws.engine) as conn:
        conn.execute(delete(dms_maperr).where(dms_maperr.c.mapid == mapping.mapid))
        if problems:
            conn.execute(
                dms_maperr.insert(),
                [
                    {
                        "mapref": mapping.ref,
                        "mapid": mapping.mapid,
                        "mapdtlid": ids.get(p.column.upper()) if p.column else None,
                        "trgclnm": p.column[:100] if p.column else None,
                        "errtyp": p.field.upper()[:30],
                        "errmsg": p.message[:4000],
                        "reccrdt": now,
                    }
                    for p in problems
                ],
            )
    assert mapping.mapid is not None
    MappingService(ws, actor).mark_validated(mapping.mapid, not problems)
