"""Target data types per dialect: what a mapping may declare, and how types compare.

sqlglot alone is lenient (``INTEGER PRIMARY KEY`` parses as INT, ``VARCHAR2`` passes for
PostgreSQL), so a type is checked twice: its text must match ``NAME[(n[, m])]`` with a NAME
from the dialect's allow-list and parameters in range, and sqlglot must build it in that
dialect. The DDL then emits the normalised text as written, so what the grid shows is what
the database gets; ``shape`` reads reflected types back for ALTER comparisons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from dms_desktop.core.mapping.names import dialect_label
from dms_desktop.core.sqlstore.validate import sqlglot_dialect

_TYPE_TEXT = re.compile(
    r"^\s*(?P<name>[A-Za-z][A-Za-z0-9_]*(?:\s+[A-Za-z][A-Za-z0-9_]*)*)\s*"
    r"(?:\(\s*(?P<a>\d+)\s*(?:,\s*(?P<b>\d+)\s*)?\))?\s*$"
)


@dataclass(frozen=True)
class TypeRule:
    """One allowed type name: its family and which parameters it takes."""

    family: str  # int decimal float string char text date timestamp boolean
    params: str = ""  # "" none, "n" length required, "n?" optional length, "ps?" precision/scale
    max_size: int = 0  # length or precision limit
    rank: int = 0  # integer width (bytes), so INTEGER -> BIGINT counts as widening


def _rules(**spec: TypeRule) -> dict[str, TypeRule]:
    return dict(spec)


_INT = {"SMALLINT": 2, "INTEGER": 4, "INT": 4, "BIGINT": 8, "TINYINT": 1}
TYPE_RULES: dict[str, dict[str, TypeRule]] = {
    "postgres": _rules(
        SMALLINT=TypeRule("int", rank=2),
        INTEGER=TypeRule("int", rank=4),
        INT=TypeRule("int", rank=4),
        BIGINT=TypeRule("int", rank=8),
        NUMERIC=TypeRule("decimal", "ps?", 1000),
        DECIMAL=TypeRule("decimal", "ps?", 1000),
        REAL=TypeRule("float", rank=4),
        **{"DOUBLE PRECISION": TypeRule("float", rank=8)},
        VARCHAR=TypeRule("string", "n?", 10485760),
        CHAR=TypeRule("char", "n", 10485760),
        TEXT=TypeRule("text"),
        DATE=TypeRule("date"),
        TIMESTAMP=TypeRule("timestamp"),
        BOOLEAN=TypeRule("boolean"),
    ),
    "oracle": _rules(
        NUMBER=TypeRule("decimal", "ps?", 38),
        INTEGER=TypeRule("decimal", rank=38),
        SMALLINT=TypeRule("decimal", rank=38),
        FLOAT=TypeRule("float", rank=8),
        BINARY_DOUBLE=TypeRule("float", rank=8),
        VARCHAR2=TypeRule("string", "n", 4000),
        NVARCHAR2=TypeRule("string", "n", 2000),
        CHAR=TypeRule("char", "n", 2000),
        CLOB=TypeRule("text"),
        DATE=TypeRule("date"),
        TIMESTAMP=TypeRule("timestamp"),
    ),
    "sqlite": _rules(
        INTEGER=TypeRule("int", rank=8),
        BIGINT=TypeRule("int", rank=8),
        REAL=TypeRule("float", rank=8),
        NUMERIC=TypeRule("decimal", "ps?", 1000),
        DECIMAL=TypeRule("decimal", "ps?", 1000),
        TEXT=TypeRule("text"),
        VARCHAR=TypeRule("string", "n?", 1_000_000_000),
        CHAR=TypeRule("char", "n", 1_000_000_000),
        DATE=TypeRule("date"),
        DATETIME=TypeRule("timestamp"),
        TIMESTAMP=TypeRule("timestamp"),
        BOOLEAN=TypeRule("boolean"),
    ),
    "mysql": _rules(
        TINYINT=TypeRule("int", rank=1),
        SMALLINT=TypeRule("int", rank=2),
        INT=TypeRule("int", rank=4),
        INTEGER=TypeRule("int", rank=4),
        BIGINT=TypeRule("int", rank=8),
        DECIMAL=TypeRule("decimal", "ps?", 65),
        NUMERIC=TypeRule("decimal", "ps?", 65),
        FLOAT=TypeRule("float", rank=4),
        DOUBLE=TypeRule("float", rank=8),
        VARCHAR=TypeRule("string", "n", 16383),
        CHAR=TypeRule("char", "n", 255),
        TEXT=TypeRule("text"),
        DATE=TypeRule("date"),
        DATETIME=TypeRule("timestamp"),
        TIMESTAMP=TypeRule("timestamp"),
        BOOLEAN=TypeRule("boolean"),
    ),
}
# What grids and spreadsheets offer first (other sizes are typed in).
CHOICES: dict[str, tuple[str, ...]] = {
    "postgres": ("VARCHAR(20)", "VARCHAR(50)", "VARCHAR(100)", "VARCHAR(255)", "TEXT",
                 "CHAR(1)", "SMALLINT", "INTEGER", "BIGINT", "NUMERIC(18,2)", "NUMERIC(18,4)",
                 "DOUBLE PRECISION", "DATE", "TIMESTAMP", "BOOLEAN"),
    "oracle": ("VARCHAR2(20)", "VARCHAR2(50)", "VARCHAR2(100)", "VARCHAR2(255)",
               "VARCHAR2(4000)", "CHAR(1)", "NUMBER(10)", "NUMBER(19)", "NUMBER(18,2)",
               "NUMBER(18,4)", "NUMBER", "BINARY_DOUBLE", "DATE", "TIMESTAMP", "CLOB"),
    "sqlite": ("VARCHAR(20)", "VARCHAR(50)", "VARCHAR(100)", "VARCHAR(255)", "TEXT", "CHAR(1)",
               "INTEGER", "BIGINT", "NUMERIC(18,2)", "NUMERIC(18,4)", "REAL", "DATE",
               "TIMESTAMP", "BOOLEAN"),
    "mysql": ("VARCHAR(20)", "VARCHAR(50)", "VARCHAR(100)", "VARCHAR(255)", "TEXT", "CHAR(1)",
              "SMALLINT", "INT", "BIGINT", "DECIMAL(18,2)", "DECIMAL(18,4)", "DOUBLE", "DATE",
              "DATETIME", "TIMESTAMP", "BOOLEAN"),
}  # fmt: skip
NUMERIC_FAMILIES = ("int", "decimal", "float")


@dataclass(frozen=True)
class TargetType:
    """A checked type: the normalised text for the DDL and its shape for comparisons."""

    text: str
    family: str
    size: int | None = None  # length, precision or integer rank
    scale: int | None = None


def _key(dialect: str | None) -> str | None:
    return sqlglot_dialect(dialect) if dialect else None


def type_choices(dialect: str | None) -> list[str]:
    """Suggested types for a target dialect (all dialects' when unknown)."""
    key = _key(dialect)
    if key in CHOICES:
        return list(CHOICES[key])
    return sorted({t for choices in CHOICES.values() for t in choices})


def type_names(dialect: str | None) -> list[str]:
    key = _key(dialect)
    rules = [TYPE_RULES[key]] if key in TYPE_RULES else list(TYPE_RULES.values())
    return sorted({name for r in rules for name in r})


def parse_type(text: str | None, dialect: str | None) -> TargetType:
    """The checked type, or ValueError saying what is wrong (for the user)."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError("No data type: choose one, e.g. VARCHAR(100).")
    m = _TYPE_TEXT.match(raw)
    key = _key(dialect)
    where = dialect_label(key)
    if m is None:
        raise ValueError(f"{raw!r} is not a data type of {where}: write NAME or NAME(n[,m]).")
    name = " ".join(m.group("name").upper().split())
    dialects = [key] if key else list(TYPE_RULES)
    for d in dialects:
        if d is None or name not in TYPE_RULES.get(d, {}):
            continue
        return _check_params(raw, name, TYPE_RULES[d][name], m.group("a"), m.group("b"), d)
    raise ValueError(
        f"{name} is not a data type of {where}: use one of {', '.join(type_names(key))}."
    )


def _check_params(
    raw: str, name: str, rule: TypeRule, a: str | None, b: str | None, dialect: str
) -> TargetType:
    size = int(a) if a is not None else None
    scale = int(b) if b is not None else None
    where = dialect_label(dialect)
    if rule.params == "" and size is not None:
        raise ValueError(f"{name} takes no size in {where}: write {name}.")
    if rule.params in ("n", "n?") and scale is not None:
        raise ValueError(f"{name} takes one length, e.g. {name}(100).")
    if rule.params == "n" and size is None:
        raise ValueError(f"{name} needs a length in {where}, e.g. {name}(100).")
    if size is not None and not 1 <= size <= rule.max_size:
        raise ValueError(f"{name}({size}): the size must be between 1 and {rule.max_size}.")
    if scale is not None and size is not None and scale > size:
        raise ValueError(f"{name}({size},{scale}): the scale may not exceed the precision.")
    params = "" if size is None else f"({size}" + ("" if scale is None else f",{scale}") + ")"
    normalised = f"{name}{params}"
    try:
        exp.DataType.build(normalised, dialect=dialect)
    except (ParseError, TokenError, ValueError) as exc:
        raise ValueError(f"{raw!r} is not a data type sqlglot reads in {where}.") from exc
    if rule.family == "decimal" and size is None and rule.rank:
        return TargetType(normalised, "decimal", rule.rank, 0)
    if rule.family == "int" or rule.family == "float":
        return TargetType(normalised, rule.family, rule.rank)
    return TargetType(normalised, rule.family, size, scale)


# --- reflected types (ALTER comparisons) and source -> target (generate from SQL) -------

_REFLECTED_FAMILY = {
    "SMALLINT": "int", "INTEGER": "int", "INT": "int", "BIGINT": "int", "TINYINT": "int",
    "MEDIUMINT": "int", "INT2": "int", "INT4": "int", "INT8": "int",
    "NUMERIC": "decimal", "DECIMAL": "decimal", "NUMBER": "decimal",
    "REAL": "float", "FLOAT": "float", "DOUBLE": "float", "DOUBLE PRECISION": "float",
    "BINARY_DOUBLE": "float", "FLOAT4": "float", "FLOAT8": "float",
    "VARCHAR": "string", "VARCHAR2": "string", "NVARCHAR2": "string", "NVARCHAR": "string",
    "CHARACTER VARYING": "string", "CHAR": "char", "NCHAR": "char", "CHARACTER": "char",
    "BPCHAR": "char", "TEXT": "text", "CLOB": "text", "NCLOB": "text", "LONGTEXT": "text",
    "MEDIUMTEXT": "text", "DATE": "date", "DATETIME": "timestamp", "TIMESTAMP": "timestamp",
    "TIMESTAMP WITHOUT TIME ZONE": "timestamp", "BOOLEAN": "boolean", "BOOL": "boolean",
}  # fmt: skip
_REFLECTED = re.compile(
    r"^\s*([A-Za-z][A-Za-z0-9_]*(?:\s+[A-Za-z][A-Za-z0-9_]*)*)\s*(?:\((\d+)(?:\s*,\s*(\d+))?[^)]*\))?"
)


def shape(type_text: str) -> TargetType:
    """Family and size of a type as a database reports it (tolerant: unknown -> 'other')."""
    m = _REFLECTED.match(type_text or "")
    if m is None:
        return TargetType(type_text, "other")
    name = " ".join(m.group(1).upper().split())
    family = _REFLECTED_FAMILY.get(name, "other")
    size = int(m.group(2)) if m.group(2) else None
    scale = int(m.group(3)) if m.group(3) else None
    if family == "decimal" and size is not None and scale is None:
        scale = 0  # NUMBER(10) is NUMBER(10,0)
    if family in ("timestamp", "date", "text", "boolean"):
        size = scale = None  # fractional-second precision etc. is not a width
    if family == "int":
        return TargetType(type_text, family, _INT.get(name, 8))
    if family == "decimal" and name in ("INTEGER", "SMALLINT"):
        return TargetType(type_text, family, 38, 0)
    return TargetType(type_text, family, size, scale)


def widens(old: TargetType, new: TargetType) -> bool | None:
    """True when ``new`` holds every value of ``old`` and is larger, False when it is
    narrower or another family, None when they are the same."""
    if (old.family, old.size, old.scale) == (new.family, new.size, new.scale):
        return None
    if old.family != new.family:
        return False
    if new.size is None:  # unbounded (VARCHAR without length, NUMERIC without precision)
        return True
    if old.size is None:
        return False
    if old.family == "decimal":
        old_scale, new_scale = old.scale or 0, new.scale or 0
        return new_scale >= old_scale and new.size - new_scale >= old.size - old_scale
    return new.size >= old.size


def suggest_type(source_type: str, dialect: str) -> str:
    """A target type for a described source column (for "generate columns from SQL")."""
    found = shape(source_type)
    key = sqlglot_dialect(dialect)
    oracle = key == "oracle"
    if found.family == "int":
        return "NUMBER(19)" if oracle else ("BIGINT" if (found.size or 8) > 4 else "INTEGER")
    if found.family == "decimal":
        p, s = found.size or 18, found.scale or 0
        p = min(p, 38 if oracle else 65 if key == "mysql" else 1000)
        return f"{'NUMBER' if oracle else 'NUMERIC' if key != 'mysql' else 'DECIMAL'}({p},{s})"
    if found.family == "float":
        return {"oracle": "BINARY_DOUBLE", "postgres": "DOUBLE PRECISION", "mysql": "DOUBLE"}.get(
            key, "REAL"
        )
    if found.family == "date":
        return "DATE"
    if found.family == "timestamp":
        return "DATETIME" if key == "mysql" else "TIMESTAMP"
    if found.family == "boolean":
        return "NUMBER(1)" if oracle else "BOOLEAN"
    if found.family == "char" and found.size:
        return f"CHAR({found.size})"
    length = found.size if found.family == "string" and found.size else 255
    if oracle:
        return f"VARCHAR2({min(length, 4000)})"
    return f"VARCHAR({length})"
