"""Target identifiers: plain, unquoted names the target database folds its own way.

A target table or column is created unquoted so users query ``dim_customer`` (PostgreSQL) or
``DIM_CUSTOMER`` (Oracle) without quotes. A name is refused when it would need quotes: not
``^[A-Za-z][A-Za-z0-9_]*$``, too long for the dialect, or reserved there (SQLAlchemy's reserved
words of the dialect, Oracle's V$RESERVED_WORDS, and words sqlglot's tokenizer will not read as
a name). Quote-breaking input such as ``a"b`` never gets past the pattern.
"""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy.engine import Dialect as SaDialect

from dms_desktop.core.sqlstore.validate import sqlglot_dialect

PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
MAX_LENGTH = {"oracle": 30, "postgres": 63, "mysql": 64, "sqlite": 128}
GENERIC_MAX = 30  # no target known yet: the strictest limit
DIALECT_LABELS = {
    "postgres": "PostgreSQL",
    "oracle": "Oracle",
    "mysql": "MySQL/MariaDB",
    "sqlite": "SQLite",
}
# Oracle's reserved words (V$RESERVED_WORDS, RESERVED='Y'); SQLAlchemy's list misses some.
ORACLE_RESERVED = frozenset(
    """ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN
    COLUMN_VALUE COMMENT COMPRESS CONNECT CREATE CURRENT DATE DECIMAL DEFAULT DELETE DESC
    DISTINCT DROP ELSE EXCLUSIVE EXISTS FILE FLOAT FOR FROM GRANT GROUP HAVING IDENTIFIED
    IMMEDIATE IN INCREMENT INDEX INITIAL INSERT INTEGER INTERSECT INTO IS LEVEL LIKE LOCK
    LONG MAXEXTENTS MINUS MLSLABEL MODE MODIFY NESTED_TABLE_ID NOAUDIT NOCOMPRESS NOT NOWAIT
    NULL NUMBER OF OFFLINE ON ONLINE OPTION OR ORDER PCTFREE PRIOR PUBLIC RAW RENAME
    RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT SESSION SET SHARE SIZE SMALLINT START
    SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE
    VALUES VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH""".split()  # noqa: SIM905
)


def dialect_label(dialect: str | None) -> str:
    return DIALECT_LABELS.get(sqlglot_dialect(dialect), dialect) if dialect else "any database"


@cache
def sa_dialect(dialect: str) -> SaDialect:
    """SQLAlchemy's dialect object for a sqlglot dialect name (no driver needed)."""
    from sqlalchemy.dialects import mysql, oracle, postgresql, sqlite

    modules = {"postgres": postgresql, "oracle": oracle, "mysql": mysql, "sqlite": sqlite}
    module = modules.get(sqlglot_dialect(dialect))
    if module is None:
        raise ValueError(f"unsupported target dialect {dialect!r}")
    made: SaDialect = module.dialect()
    return made


@cache
def _reserved(dialect: str) -> frozenset[str]:
    words = {w.upper() for w in sa_dialect(dialect).identifier_preparer.reserved_words}
    if dialect == "oracle":
        words |= ORACLE_RESERVED
    return frozenset(words)


@cache
def _sqlglot_refuses(name: str, dialect: str) -> bool:
    """Does sqlglot's tokenizer read the word as a keyword its parser won't take as a name?"""
    from sqlglot import TokenType
    from sqlglot.dialects.dialect import Dialect

    lang = Dialect.get_or_raise(dialect)
    tokens = lang.tokenize(name)
    if len(tokens) != 1:
        return True
    kind = tokens[0].token_type
    return kind != TokenType.VAR and kind not in lang.parser_class.ID_VAR_TOKENS


def identifier_problem(name: str | None, dialect: str | None, what: str = "name") -> str | None:
    """Why ``name`` cannot be a plain target identifier, or None when it can."""
    text = name or ""
    if not text.strip():
        return f"The {what} is empty."
    if not PLAIN.match(text):
        return (
            f"The {what} {text!r} would need quotes: use letters, digits and _ only, "
            "starting with a letter (no spaces, quotes or punctuation)."
        )
    key = sqlglot_dialect(dialect) if dialect else None
    limit = MAX_LENGTH.get(key or "", GENERIC_MAX)
    if len(text) > limit:
        return f"The {what} {text} is {len(text)} characters long: {dialect_label(key)} allows {limit}."
    dialects = [key] if key else list(MAX_LENGTH)
    for d in dialects:
        if text.upper() in _reserved(d) or _sqlglot_refuses(text, d):
            return (
                f"The {what} {text} is a reserved word in {dialect_label(d)}: "
                f"choose another, e.g. {text.upper()}_VALUE."
            )
    return None


def fold(name: str) -> str:
    """The name SQLAlchemy treats as case-insensitive: lower case, emitted unquoted.

    PostgreSQL then shows ``dim_customer``, Oracle ``DIM_CUSTOMER``; SQLite and MySQL keep
    the lower-case spelling (SQLite compares names case-insensitively anyway).
    """
    return name.lower()
