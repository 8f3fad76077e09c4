"""What an upload is: file options, per-column mapping and rules, the definition, the result.

Stored in DMS_FLUPLD (one row per definition version: file options as JSON in FLOPTS) and
DMS_FLUPLDDTL (one row per target column: the file column in SRCCLNM, the rules as JSON in
TRNFRMRL, the default-when-empty in DFLTVAL). Everything here is plain data: readers, rules
and the loader take it as input.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any

FILE_KINDS = ("CSV", "XLSX", "JSON")
MODES = ("APPEND", "REPLACE", "UPSERT")
CASES = ("", "upper", "lower")
DEFAULT_BATCH = 50_000
SHOWN_ERRORS = 1_000  # errors kept in memory and shown; the CSV report holds all
EXTENSIONS = {
    ".csv": "CSV",
    ".txt": "CSV",
    ".tsv": "CSV",
    ".tab": "CSV",
    ".xlsx": "XLSX",
    ".xlsm": "XLSX",
    ".json": "JSON",
    ".jsonl": "JSON",
    ".ndjson": "JSON",
}


@dataclass(frozen=True)
class FileOptions:
    """How to read a file; empty values mean "detect" (and are shown once detected)."""

    kind: str = ""  # CSV XLSX JSON; "" = from the file name
    encoding: str = ""  # CSV: "" = detect (BOM, UTF-16, UTF-8, else cp1252)
    delimiter: str = ""  # CSV: "" = sniff among , ; TAB |
    quote: str = '"'  # CSV quote character
    header: bool = True  # the first row read (after skip_rows) names the columns
    header_rows: int = 0  # rows the header spans (Excel merged headers); 0 = detect
    skip_rows: int = -1  # rows above the header (titles); -1 = detect (Excel), 0 for CSV
    sheet: str = ""  # XLSX: "" = the first sheet
    null_values: tuple[str, ...] = ()  # values read as NULL in every column (besides empty)
    decimal: str = ""  # "" = detect per column, "." or ","
    thousands: str = ""  # "" = none/detect, or one of , . space '

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["null_values"] = list(self.null_values)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> FileOptions:
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "null_values" in values:
            values["null_values"] = tuple(str(v) for v in values["null_values"] or ())
        return cls(**values)


@dataclass(frozen=True)
class ColumnRule:
    """Per-column rules, applied in this order: constant, trim, NULL values, value map,
    regex replace, upper/lower, default when empty, then the number or date format."""

    constant: str | None = None  # ignore the file: every row gets this value
    trim: bool = True
    null_values: tuple[str, ...] = ()
    value_map: dict[str, str] = field(default_factory=dict)
    regex: str = ""  # Python regular expression ...
    replace_with: str = ""  # ... replaced by this (\1 for groups)
    case: str = ""  # "", "upper", "lower"
    default: str | None = None  # when the value is empty
    decimal: str = ""  # "" = the file's (detected), "." or ","
    thousands: str = ""  # "" = none, or , . space '
    date_format: str = ""  # strftime codes, e.g. %d.%m.%Y; "" = ISO 8601

    def to_json(self) -> dict[str, Any]:
        """Only what differs from the defaults (short rows in DMS_FLUPLDDTL)."""
        base = ColumnRule()
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != getattr(base, f.name) and f.name != "default":
                data[f.name] = list(value) if isinstance(value, tuple) else value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, default: str | None = None) -> ColumnRule:
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and k != "default"}
        if "null_values" in values:
            values["null_values"] = tuple(str(v) for v in values["null_values"] or ())
        if "value_map" in values:
            values["value_map"] = {str(k): str(v) for k, v in (values["value_map"] or {}).items()}
        return cls(**values, default=default)

    def summary(self) -> str:
        """A short text for grids: what the rules do."""
        parts: list[str] = []
        if self.constant is not None:
            return f"constant {self.constant!r}"
        if not self.trim:
            parts.append("no trim")
        if self.null_values:
            parts.append("NULL " + "/".join(repr(v) for v in self.null_values))
        if self.value_map:
            parts.append(f"map {len(self.value_map)} value{'s' if len(self.value_map) > 1 else ''}")
        if self.regex:
            parts.append(f"replace /{self.regex}/")
        if self.case:
            parts.append(self.case)
        if self.default is not None:
            parts.append(f"default {self.default!r}")
        if self.decimal == ",":
            parts.append("decimal comma")
        if self.thousands:
            parts.append(f"thousands {self.thousands!r}")
        if self.date_format:
            parts.append(f"date {self.date_format}")
        return ", ".join(parts) or "trim"


@dataclass(frozen=True)
class ColumnSpec:
    """One target column and where its values come from."""

    target: str
    source: str | None  # the file column; None: constant or default only
    data_type: str = ""  # the target type (reflected, or chosen for a new table)
    key: bool = False
    required: bool = False  # NOT NULL
    rule: ColumnRule = field(default_factory=ColumnRule)


@dataclass(frozen=True)
class TargetColumn:
    """A column of the target table as the database describes it (or as it will be made)."""

    name: str
    type_text: str
    family: str  # int decimal float string char text date timestamp boolean other
    size: int | None = None  # length, precision, or integer width in bytes
    scale: int | None = None
    nullable: bool = True
    has_default: bool = False  # a default, identity or autoincrement fills it when omitted


@dataclass(frozen=True)
class UploadDef:
    """A saved (or ad-hoc) upload: file layout, target, mapping, mode and error policy."""

    name: str
    conid: int | None
    table: str
    columns: tuple[ColumnSpec, ...] = ()
    schema: str | None = None
    mode: str = "APPEND"
    options: FileOptions = field(default_factory=FileOptions)
    file: str = ""  # the file (or a pattern, e.g. incoming/*.csv) the definition reads
    description: str | None = None
    batch_rows: int = DEFAULT_BATCH
    max_rejects: int = 0  # 0: all-or-nothing; N: skip up to N bad rows
    create_table: bool = False  # create the table from the column types when missing
    upload_id: int | None = None
    version: int = 0
    updated: datetime | None = None
    updated_by: str | None = None
    last_run: datetime | None = None
    last_status: str | None = None

    @property
    def keys(self) -> list[ColumnSpec]:
        return [c for c in self.columns if c.key]

    def with_columns(self, columns: list[ColumnSpec] | tuple[ColumnSpec, ...]) -> UploadDef:
        return replace(self, columns=tuple(columns))


@dataclass(frozen=True)
class Issue:
    """One validation error: the row as the user sees it in the file, column, value, why."""

    row: int
    column: str
    value: str
    reason: str


# Result statuses: SUCCESS loaded; VALID a validation-only run found nothing wrong;
# INVALID validation failed and nothing was loaded; FAILED the load failed (nothing loaded);
# CANCELLED stopped by the user (nothing loaded).
STATUSES = ("SUCCESS", "VALID", "INVALID", "FAILED", "CANCELLED")


@dataclass
class UploadResult:
    status: str
    file: str
    table: str
    mode: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0  # upsert: rows whose key was there with the same values
    deleted: int = 0
    rejected: int = 0
    error_count: int = 0
    errors: list[Issue] = field(default_factory=list)  # the first SHOWN_ERRORS
    errors_file: str | None = None  # CSV of every error
    rejects_file: str | None = None  # the rejected rows, beside the source
    seconds: float = 0.0
    message: str = ""
    notes: list[str] = field(default_factory=list)  # what was detected, created, ignored
    created: bool = False  # the load created the table
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase

    @property
    def ok(self) -> bool:
        return self.status in ("SUCCESS", "VALID")

    @property
    def loaded(self) -> int:
        return self.inserted + self.updated

    def summary(self) -> dict[str, Any]:
        """Plain figures for the CLI's --json and for logs."""
        return {
            "status": self.status,
            "file": self.file,
            "table": self.table,
            "mode": self.mode,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "rejected": self.rejected,
            "errors": self.error_count,
            "errors_file": self.errors_file,
            "rejects_file": self.rejects_file,
            "seconds": round(self.seconds, 3),
            "message": self.message,
            "notes": list(self.notes),
            "timings": dict(self.timings),
        }


def options_to_text(defn: UploadDef) -> str:
    """FLOPTS: the file options plus the definition's extras, as JSON."""
    data = defn.options.to_json()
    data["max_rejects"] = defn.max_rejects
    data["create_table"] = defn.create_table
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def options_from_text(text: str | None) -> tuple[FileOptions, int, bool]:
    data = json.loads(text) if text else {}
    return (
        FileOptions.from_json(data),
        int(data.get("max_rejects") or 0),
        bool(data.get("create_table", False)),
    )
