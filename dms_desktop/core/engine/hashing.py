"""RWHKEY: the MD5 of one canonical text of a row's non-key, non-audit columns.

The canonical text is the same whichever database computes it, so rows loaded into SQLite and
PostgreSQL carry the same hashes:

* values are joined with ``|`` in the mapping's column order;
* NULL is ``\\N``; in text ``\\`` becomes ``\\\\`` and ``|`` becomes ``\\|`` (so no text value
  can imitate NULL or a separator: ``concat_ws`` would skip NULLs and make (a, NULL, b) and
  (a, b, NULL) collide);
* fixed-length CHAR text loses its trailing blanks (PostgreSQL and Oracle pad it, SQLite
  keeps what it was given; ``'ab'`` and ``'ab   '`` are the same CHAR value);
* integers and decimals: plain digits, no exponent, no trailing fractional zeros, no trailing
  point (``182.90`` → ``182.9``, ``5.00`` → ``5``);
* floats: rounded to 10 decimals, then as decimals;
* (SQLite holds decimals as 64-bit floats: they are printed with 10 decimals there, so
  decimals with more than 10 decimal places or 15 significant digits may hash differently);
* dates ``YYYY-MM-DD``; timestamps ``YYYY-MM-DD HH:MM:SS`` plus ``.ffffff`` only when the
  microseconds are not zero (Python's ``isoformat(" ")``);
* booleans ``1`` / ``0``.

Limits: SQLite stores decimals as 64-bit floats, so decimals of more than 15 significant
digits (or beyond 1e15) can hash differently there than on PostgreSQL.

``canonical_text`` is the Python reference; ``row_hash_sql`` builds the same in SQL for the
target dialect, so the hash is computed where the rows are (set-based, no Python per row).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, Numeric, String, case, cast, func, literal, null

NULL_MARK = "\\N"
SEPARATOR = "|"

# Categories of target types; see types_category() for the mapping from SQL types.
TEXT, NUMBER, FLOAT, DATE, TIMESTAMP, BOOLEAN, CHAR = (
    "text",
    "number",
    "float",
    "date",
    "timestamp",
    "boolean",
    "char",
)


def canonical_value(value: Any, category: str) -> str:
    if value is None:
        return NULL_MARK
    if category == BOOLEAN:
        return "1" if value else "0"
    if category in (NUMBER, FLOAT):
        number = Decimal(repr(round(value, 10))) if isinstance(value, float) else Decimal(value)
        if category == FLOAT:
            number = round(number, 10)
        text = format(number.normalize(), "f")
        return "0" if text in ("-0", "") else text
    if category == DATE:
        return value.isoformat() if isinstance(value, date) else str(value)[:10]
    if category == TIMESTAMP:
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, date):
            return f"{value.isoformat()} 00:00:00"
        return str(value)
    text = str(value).rstrip(" ") if category == CHAR else str(value)
    return text.replace("\\", "\\\\").replace(SEPARATOR, "\\|")


def canonical_text(values: Sequence[Any], categories: Sequence[str]) -> str:
    return SEPARATOR.join(canonical_value(v, c) for v, c in zip(values, categories, strict=True))


def row_hash(values: Sequence[Any], categories: Sequence[str]) -> str:
    return hashlib.md5(canonical_text(values, categories).encode("utf-8")).hexdigest()


class _StringFunctions:
    """``func`` whose results are typed String, so ``+`` renders as ``||``."""

    def __getattr__(self, name: str) -> Callable[..., ColumnElement[Any]]:
        generic = getattr(func, name)

        def call(*args: Any) -> ColumnElement[Any]:
            result: ColumnElement[Any] = generic(*args, type_=String)
            return result

        return call


_s = _StringFunctions()


def _esc(expr: ColumnElement[Any]) -> ColumnElement[Any]:
    return _s.replace(_s.replace(expr, "\\", "\\\\"), SEPARATOR, "\\|")


def _pg(col: ColumnElement[Any], category: str) -> ColumnElement[Any]:
    if category == TEXT:
        return _esc(cast(col, String))
    if category == CHAR:
        return _esc(_s.rtrim(cast(col, String), " "))
    if category == NUMBER:
        return cast(func.trim_scale(cast(col, Numeric())), String)
    if category == FLOAT:
        return cast(func.trim_scale(func.round(cast(col, Numeric()), 10)), String)
    if category == DATE:
        return _s.to_char(col, "YYYY-MM-DD")
    if category == TIMESTAMP:
        micro = func.date_part("microseconds", col)
        return _s.to_char(col, "YYYY-MM-DD HH24:MI:SS") + case(
            (func.mod(cast(micro, Integer), 1000000) != 0, _s.to_char(col, ".US")), else_=""
        )
    return case((col.is_(None), null()), (col, "1"), else_="0")


def _sqlite(col: ColumnElement[Any], category: str) -> ColumnElement[Any]:
    text = cast(col, String)
    if category == TEXT:
        return _esc(text)
    if category == CHAR:
        return _esc(_s.rtrim(text, " "))
    if category in (NUMBER, FLOAT):
        # NUMERIC affinity keeps 5.00 as INTEGER 5 and 182.90 as REAL 182.9; a REAL is
        # printed with 10 decimals, then trailing zeros and point go (never an exponent).
        fixed = _s.rtrim(_s.rtrim(_s.printf("%.10f", col), "0"), ".")
        return case(
            (col.is_(None), null()), (func.typeof(col) == "integer", cast(col, String)), else_=fixed
        )
    if category == DATE:
        return _s.strftime("%Y-%m-%d", col)
    if category == TIMESTAMP:
        dot = func.instr(text, ".")
        fraction = _s.substr(_s.substr(text, dot) + "000000", 1, 7)
        has_fraction = (dot > 0) & (cast(func.substr(text, dot + 1), Integer) != 0)
        return _s.strftime("%Y-%m-%d %H:%M:%S", col) + case((has_fraction, fraction), else_="")
    return case((col.is_(None), null()), (col, "1"), else_="0")


def _oracle(col: ColumnElement[Any], category: str) -> ColumnElement[Any]:
    if category == TEXT:
        return _esc(col)
    if category == CHAR:
        return _esc(_s.rtrim(col, " "))
    if category in (NUMBER, FLOAT):
        value = func.round(col, 10) if category == FLOAT else col
        text = _s.to_char(value, "FM99999999999999999999999990.9999999999")
        return _s.rtrim(_s.rtrim(text, "0"), ".")
    if category == DATE:
        return _s.to_char(col, "YYYY-MM-DD")
    if category == TIMESTAMP:
        return _s.to_char(col, "YYYY-MM-DD HH24:MI:SS") + case(
            (_s.to_char(col, "FF6") != "000000", "." + _s.to_char(col, "FF6")), else_=""
        )
    return case((col.is_(None), null()), (col == 1, "1"), else_="0")


_BUILDERS = {"postgresql": _pg, "sqlite": _sqlite, "oracle": _oracle}
SQLITE_MD5 = "dms_md5"


def canonical_sql(
    cols: Sequence[ColumnElement[Any]], categories: Sequence[str], dialect: str
) -> ColumnElement[Any]:
    build = _BUILDERS[dialect]
    parts: list[ColumnElement[Any]] = []
    for col, category in zip(cols, categories, strict=True):
        parts.append(_s.coalesce(build(col, category), NULL_MARK))
    if not parts:
        return literal("")
    text: ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        text = text + SEPARATOR + part
    return text


def row_hash_sql(
    cols: Sequence[ColumnElement[Any]], categories: Sequence[str], dialect: str
) -> ColumnElement[Any]:
    """MD5 hex (lower case, 32 chars) of the canonical text, computed by the database."""
    text = canonical_sql(cols, categories, dialect)
    if dialect == "postgresql":
        return func.md5(text)
    if dialect == "sqlite":
        return _s.dms_md5(text)  # SQLITE_MD5, registered per connection by the engine
    return func.lower(func.rawtohex(func.standard_hash(text, "MD5")))


def sqlite_md5(text: str | None) -> str | None:
    return None if text is None else hashlib.md5(text.encode("utf-8")).hexdigest()
