"""A report definition: SQL with typed parameters, column formats, a layout, an output.

Plain frozen dataclasses the GUI edits (``dataclasses.replace``) and ``ReportService`` stores
as JSON in DMS_RPT; ``check_definition`` says what is wrong in words a user can act on.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import text

from dms_desktop.core.errors import ValidationError

ParamType = Literal["text", "number", "date", "choice"]
ColumnKind = Literal["auto", "text", "integer", "number", "percent", "date", "datetime"]
Orientation = Literal["portrait", "landscape"]
OutputFormat = Literal["csv", "xlsx", "pdf"]

PARAM_TYPES: tuple[str, ...] = ("text", "number", "date", "choice")
COLUMN_KINDS: tuple[str, ...] = ("auto", "text", "integer", "number", "percent", "date", "datetime")
FORMATS: tuple[str, ...] = ("csv", "xlsx", "pdf")
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,49}$")
NAME_RULE = "a letter, then up to 49 letters, digits or '_' (e.g. SALES_BY_MONTH)"
PARAM_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
DEFAULT_PATTERN = "{report}_{date}.{ext}"
PATTERN_FIELDS = ("report", "date", "time", "datetime", "ext")
MAX_DESCRIPTION = 500


@dataclass(frozen=True)
class ReportParam:
    """A ``:name`` bind of the SQL. ``default`` is text; a date default may be relative:
    ``today``, ``today-7``, ``month_start``, ``year_start`` (resolved when the report runs)."""

    name: str
    type: ParamType = "text"
    label: str | None = None
    default: str | None = None
    required: bool = False
    choices: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class ReportColumn:
    """How a result column looks: matched to the result by name, case-insensitively.

    ``kind`` "auto" follows the value; ``decimals`` for number/percent; ``date_format`` is a
    strftime pattern; ``width`` in characters (XLSX column width, PDF share of the page).
    """

    name: str
    title: str | None = None
    kind: ColumnKind = "auto"
    decimals: int | None = None
    date_format: str | None = None
    width: int | None = None


@dataclass(frozen=True)
class ReportTemplate:
    """Layout; ``subtitle``, ``header`` and ``footer`` may use ``{param}`` placeholders and
    ``{report}``, ``{generated}``."""

    title: str | None = None
    subtitle: str | None = None
    logo: str | None = None  # path of a PNG/JPEG shown top-left of the PDF
    header: str | None = None
    footer: str | None = None
    page_numbers: bool = True
    orientation: Orientation = "portrait"


@dataclass(frozen=True)
class ReportDef:
    name: str
    sql: str
    description: str | None = None
    conid: int | None = None  # None: the metadata database
    params: tuple[ReportParam, ...] = ()
    columns: tuple[ReportColumn, ...] = ()
    template: ReportTemplate = field(default_factory=ReportTemplate)
    output_folder: str | None = None  # where a scheduled run writes
    file_pattern: str | None = None  # e.g. {report}_{date}.pdf
    output_format: OutputFormat | None = None
    builtin: bool = False
    version: int = 0
    updated: datetime | None = None
    updated_by: str | None = None

    def param(self, name: str) -> ReportParam | None:
        return next((p for p in self.params if p.name.lower() == name.lower()), None)

    def column(self, name: str) -> ReportColumn | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


def bind_names(sql: str) -> list[str]:
    """The ``:name`` binds of ``sql`` as SQLAlchemy sees them (``::type`` casts are not)."""
    return list(text(sql)._bindparams)  # noqa: SLF001 - the parser the runner uses


def check_definition(defn: ReportDef) -> None:
    """Refuse a definition that cannot run, with every problem in one message."""
    problems: list[str] = []
    if not NAME_RE.match(defn.name or ""):
        problems.append(f"Report name '{defn.name}' is not valid: use {NAME_RULE}")
    if not (defn.sql or "").strip():
        problems.append("The report has no SQL: write the query first")
    if defn.description and len(defn.description) > MAX_DESCRIPTION:
        problems.append(f"The description is longer than {MAX_DESCRIPTION} characters")
    declared: set[str] = set()
    for p in defn.params:
        problems += _param_problems(p, declared)
        declared.add(p.name.lower())
    missing = [b for b in bind_names(defn.sql or "") if b.lower() not in declared]
    if missing:
        problems.append(
            "The SQL uses " + ", ".join(f":{m}" for m in missing) + " without a parameter of "
            "that name: add the parameter or change the SQL"
        )
    for c in defn.columns:
        if c.kind not in COLUMN_KINDS:
            problems.append(f"Column {c.name}: format '{c.kind}' is not one of {COLUMN_KINDS}")
        if c.decimals is not None and not 0 <= c.decimals <= 10:
            problems.append(f"Column {c.name}: decimals run from 0 to 10")
        if c.width is not None and not 1 <= c.width <= 200:
            problems.append(f"Column {c.name}: width runs from 1 to 200 characters")
    if defn.output_format is not None and defn.output_format not in FORMATS:
        problems.append(f"Output format '{defn.output_format}' is not one of csv, xlsx, pdf")
    if defn.file_pattern:
        problems += _pattern_problems(defn.file_pattern)
    if defn.template.orientation not in ("portrait", "landscape"):
        problems.append("Orientation is portrait or landscape")
    if problems:
        raise ValidationError("; ".join(problems) + ".")


def _param_problems(p: ReportParam, declared: set[str]) -> list[str]:
    found = []
    if not PARAM_RE.match(p.name or ""):
        found.append(f"Parameter name '{p.name}' is not valid: letters, digits and '_'")
    if p.name.lower() in declared:
        found.append(f"Parameter '{p.name}' is declared twice")
    if p.type not in PARAM_TYPES:
        found.append(f"Parameter '{p.name}': type '{p.type}' is not one of {PARAM_TYPES}")
    if p.type == "choice" and not p.choices:
        found.append(f"Parameter '{p.name}' is a choice without choices: list them")
    if p.default not in (None, ""):
        from dms_desktop.core.reports.params import convert

        try:
            convert(p, p.default)
        except ValidationError as exc:
            found.append(f"Default of {exc.message.rstrip('.')}")
    return found


def _pattern_problems(pattern: str) -> list[str]:
    if "/" in pattern or "\\" in pattern:
        return ["The file name pattern names a file, not a folder: remove '/' and '\\'"]
    try:
        pattern.format(**dict.fromkeys(PATTERN_FIELDS, "x"))
    except (KeyError, IndexError, ValueError) as exc:
        return [
            f"The file name pattern has an unknown field {exc}: use "
            + ", ".join("{" + f + "}" for f in PATTERN_FIELDS)
        ]
    return []


# --- JSON for DMS_RPT ------------------------------------------------------------------


def params_to_json(params: tuple[ReportParam, ...]) -> str:
    return json.dumps([asdict(p) for p in params])


def params_from_json(value: str | None) -> tuple[ReportParam, ...]:
    if not value:
        return ()
    return tuple(
        ReportParam(
            name=str(d["name"]),
            type=d.get("type", "text"),
            label=d.get("label"),
            default=d.get("default"),
            required=bool(d.get("required", False)),
            choices=tuple(str(c) for c in d.get("choices") or ()),
        )
        for d in json.loads(value)
    )


def columns_to_json(columns: tuple[ReportColumn, ...]) -> str:
    return json.dumps([asdict(c) for c in columns])


def columns_from_json(value: str | None) -> tuple[ReportColumn, ...]:
    if not value:
        return ()
    known = set(ReportColumn.__dataclass_fields__)
    return tuple(
        ReportColumn(**{k: v for k, v in d.items() if k in known}) for d in json.loads(value)
    )


def template_to_json(template: ReportTemplate) -> str:
    return json.dumps(asdict(template))


def template_from_json(value: str | None) -> ReportTemplate:
    if not value:
        return ReportTemplate()
    known = set(ReportTemplate.__dataclass_fields__)
    return ReportTemplate(**{k: v for k, v in json.loads(value).items() if k in known})
