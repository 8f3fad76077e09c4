"""A mapping as a document: the seed's ``POST /mapper/save-to-db`` body, extended.

One shape for JSON, YAML and (through ``xlsx``) Excel: header keys in a fixed order, then
``rows`` with one object per target column. Reading is strict and collects every problem
with its place (``rows[3].dataType``; the Excel reader maps that onto sheet, row and column)
so a file is imported whole or not at all.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import yaml

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.mapping.model import (
    COMBINE_CODES,
    FREQUENCY_CODES,
    ON_SOURCE_DELETE,
    SCD_TYPES,
    TABLE_TYPES,
    Mapping,
    MappingColumn,
)
from dms_desktop.core.mapping.names import identifier_problem
from dms_desktop.core.mapping.repository import REF_PATTERN
from dms_desktop.core.mapping.types import parse_type

# (document key, Mapping attribute or None, kind); order = the order files are written in.
HEADER_FIELDS: tuple[tuple[str, str | None, str], ...] = (
    ("reference", "ref", "ref"),
    ("description", "description", "text"),
    ("sourceSystem", "source_system", "text"),
    ("tableName", "table_name", "name"),
    ("tableType", "table_type", "table_type"),
    ("targetSchema", "target_schema", "name"),
    ("freqCode", "freq_code", "freq"),
    ("bulkProcessRows", "bulk_rows", "int"),
    ("sqlCode", "sql_code", "text"),
    ("targetConnection", None, "text"),
    ("onSourceDelete", "on_source_delete", "on_delete"),
    ("errorThreshold", "error_threshold", "int"),
)
ROW_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("fieldName", "name", "name"),
    ("dataType", "data_type", "type"),
    ("primaryKey", "key", "bool"),
    ("pkSeq", "key_seq", "int"),
    ("logic", "logic", "text"),
    ("scdType", "scd_type", "scd"),
    ("description", "description", "text"),
    ("lookupTable", "lookup_table", "name"),
    ("keyColumn", "key_column", "name"),
    ("valueColumn", "value_column", "name"),
    ("combineCode", "combine", "combine"),
    ("execSequence", "exec_seq", "int"),
)
REQUIRED_HEADER = ("reference", "tableName", "tableType", "rows")
REQUIRED_ROW = ("fieldName", "dataType")
CHOICES = {
    "table_type": TABLE_TYPES,
    "freq": FREQUENCY_CODES,
    "on_delete": ON_SOURCE_DELETE,
    "combine": COMBINE_CODES,
    "scd": SCD_TYPES,
}
_TRUE = {"Y", "YES", "TRUE", "1", "X"}
_FALSE = {"N", "NO", "FALSE", "0", ""}

Locator = Callable[[str], str]
"""Maps a document path (``rows[3].dataType``) onto a place the user can find."""


@dataclass(frozen=True)
class SpecProblem:
    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class SpecError(ValidationError):
    """A file that cannot be imported; nothing of it was."""

    def __init__(self, source: str, problems: list[SpecProblem]) -> None:
        count = len(problems)
        head = f"{source}: {count} problem{'s' if count != 1 else ''}, nothing imported"
        super().__init__("\n".join([head, *(str(p) for p in problems)]))
        self.problems = problems


@dataclass
class RawDocument:
    """One mapping as read from a file, with the way to name places in that file."""

    data: Any
    where: Locator


@dataclass
class ParsedDocument:
    mapping: Mapping
    connection: str | None
    where: Locator
    problems: list[SpecProblem] = field(default_factory=list)


# --- writing -------------------------------------------------------------------------------


def mapping_to_dict(mapping: Mapping, connection: str | None) -> dict[str, Any]:
    """The document of a mapping; every key present (null when unset) for a stable shape."""
    doc: dict[str, Any] = {}
    for key, attr, _kind in HEADER_FIELDS:
        doc[key] = connection if attr is None else getattr(mapping, attr)
    doc["rows"] = [
        {key: getattr(col, attr) for key, attr, _kind in ROW_FIELDS} for col in mapping.columns
    ]
    return doc


def dump_json(docs: list[dict[str, Any]]) -> str:
    body: Any = docs[0] if len(docs) == 1 else docs
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


class _SpecDumper(yaml.SafeDumper):  # type: ignore[misc]
    """Multi-line logic as a literal block (``|``): readable diffs in git."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SpecDumper.add_representer(str, _str)


def dump_yaml(doc: dict[str, Any]) -> str:
    return str(yaml.dump(doc, Dumper=_SpecDumper, sort_keys=False, allow_unicode=True, width=100))


# --- reading -------------------------------------------------------------------------------


def load_json(text: str, source: str) -> list[RawDocument]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise SpecError(source, [SpecProblem(where, f"not valid JSON ({exc.msg})")]) from exc
    return _documents(data, source)


def load_yaml(text: str, source: str) -> list[RawDocument]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the file"
        # PyYAML's str() quotes the text with carets over several lines: keep the words.
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start:
            problem += f" ({context} started at line {start.line + 1}, column {start.column + 1})"
        raise SpecError(source, [SpecProblem(where, f"not valid YAML: {problem}")]) from exc
    return _documents(data, source)


def _plain_place(path: str) -> str:
    return path or "the document"


def _indexed_place(index: int, path: str) -> str:
    return f"[{index}].{path}" if path else f"[{index}]"


def _documents(data: Any, source: str) -> list[RawDocument]:
    """One mapping object, a list of them, or ``{"mappings": [...]}``."""
    if isinstance(data, dict) and set(data) == {"mappings"}:
        data = data["mappings"]
    if isinstance(data, dict):
        return [RawDocument(data, _plain_place)]
    if isinstance(data, list) and data:
        return [RawDocument(item, partial(_indexed_place, i)) for i, item in enumerate(data)]
    raise SpecError(source, [SpecProblem("the file", "expected a mapping object (or a list)")])


def _coerce(kind: str, value: Any, dialect: str | None) -> Any:
    """The value for the model, or ValueError with the message for the user."""
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value if value is not None else "").strip().upper()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError(f"expected true/false (or Y/N), got {value!r}")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected {'a number' if kind == 'int' else 'text'}, got {value!r}")
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise ValueError(f"expected a whole number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dict | list):
        raise ValueError("expected text, got a nested object")
    text = str(value).strip() if kind != "text" else str(value)
    if kind in CHOICES:
        text = text.upper()
        if text not in CHOICES[kind]:
            raise ValueError(f"{text!r} is not one of {', '.join(CHOICES[kind])}")
    elif kind == "ref" and not REF_PATTERN.match(text):
        raise ValueError(f"{text!r}: use up to 50 letters, digits and _, starting with a letter")
    elif kind == "name":
        problem = identifier_problem(text, dialect)
        if problem:
            raise ValueError(problem)
    elif kind == "type":
        text = parse_type(text, dialect).text
    return text


def _unknown(keys: Any, known: list[str]) -> list[tuple[str, str]]:
    out = []
    for key in keys:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            out.append((str(key), f"unknown field{hint}"))
    return out


def parse_document(raw: RawDocument, dialects: dict[str, str]) -> ParsedDocument:
    """A mapping from a document; ``dialects`` maps lower-case connection names to dialects.

    Problems are collected on the result (never raised) so every place is reported at once.
    """
    where, data = raw.where, raw.data
    parsed = ParsedDocument(Mapping(ref="", table_name="", table_type=""), None, where)

    def fail(path: str, message: str) -> None:
        parsed.problems.append(SpecProblem(where(path), message))

    if not isinstance(data, dict):
        fail("", "expected a mapping object")
        return parsed
    header_keys = [k for k, _a, _t in HEADER_FIELDS] + ["rows"]
    for key, message in _unknown(data, header_keys):
        fail(key, message)
    for key in REQUIRED_HEADER:
        if data.get(key) in (None, ""):
            fail(key, "missing (required)")
    connection = data.get("targetConnection")
    dialect = None
    if isinstance(connection, str) and connection.strip():
        parsed.connection = connection.strip()
        dialect = dialects.get(parsed.connection.lower())
        if dialect is None:
            fail("targetConnection", f"no connection named {parsed.connection!r}")
    values: dict[str, Any] = {}
    for key, attr, kind in HEADER_FIELDS:
        if attr is None or data.get(key) is None:
            continue
        try:
            values[attr] = _coerce(kind, data[key], dialect)
        except ValueError as exc:
            fail(key, str(exc))
    values["on_source_delete"] = values.get("on_source_delete") or "IGNORE"
    parsed.mapping = Mapping(**{"ref": "", "table_name": "", "table_type": "", **values})
    rows = data.get("rows")
    if rows is not None and not isinstance(rows, list):
        fail("rows", "expected a list of columns")
        return parsed
    parsed.mapping.columns = _columns(rows or [], dialect, fail)
    return parsed


def _columns(
    rows: list[Any], dialect: str | None, fail: Callable[[str, str], None]
) -> list[MappingColumn]:
    columns: list[MappingColumn] = []
    seen: dict[str, int] = {}
    row_keys = [k for k, _a, _t in ROW_FIELDS]
    for i, row in enumerate(rows):
        path = f"rows[{i}]"
        if not isinstance(row, dict):
            fail(path, "expected an object with fieldName, dataType, ...")
            continue
        for key, message in _unknown(row, row_keys):
            fail(f"{path}.{key}", message)
        for key in REQUIRED_ROW:
            if row.get(key) in (None, ""):
                fail(f"{path}.{key}", "missing (required)")
        values: dict[str, Any] = {}
        for key, attr, kind in ROW_FIELDS:
            if key not in row:
                continue
            try:
                values[attr] = _coerce(kind, row[key], dialect)
            except ValueError as exc:
                fail(f"{path}.{key}", str(exc))
        name = values.get("name") or ""
        if name:
            if name.upper() in seen:
                fail(f"{path}.fieldName", f"{name} repeats rows[{seen[name.upper()]}]")
            seen.setdefault(name.upper(), i)
        columns.append(MappingColumn(**{"name": "", "data_type": "", "key": False, **values}))
    return columns
