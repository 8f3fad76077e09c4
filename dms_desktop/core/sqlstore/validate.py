"""Parse, check, split and format SQL text with sqlglot, in the connection's dialect.

Splitting uses sqlglot's tokenizer, never a regex, so a ``;`` inside a string, a comment or a
dollar-quoted body does not end a statement. On Oracle a PL/SQL block (``BEGIN``, ``DECLARE``,
``CREATE PROCEDURE`` ...) runs up to a line holding only ``/``, the way SQL*Plus reads it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import Token, TokenType, exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError

from dms_desktop.core.sqlstore.errors import SqlError, SqlProblem, line_col

# sqlglot logs a warning for every statement it keeps as a raw Command; we report those.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

_ALIASES = {"postgresql": "postgres", "mariadb": "mysql", "oracledb": "oracle"}
_MISSING = re.compile(r"Missing .+ from \d+:(\d+)")
_PLSQL_HEAD = {TokenType.BEGIN, TokenType.DECLARE}
_PLSQL_OBJECTS = {"PROCEDURE", "FUNCTION", "PACKAGE", "TRIGGER", "TYPE"}
_QUERY_HEAD = {TokenType.SELECT, TokenType.WITH, TokenType.L_PAREN, TokenType.VALUES}
_WRITES = {TokenType.INSERT, TokenType.UPDATE, TokenType.DELETE, TokenType.MERGE, TokenType.INTO}
_MODIFYING: tuple[type[exp.Expression], ...] = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Command,
)


def sqlglot_dialect(name: str) -> str:
    """sqlglot's name for a dialect, accepting SQLAlchemy's spelling too."""
    key = name.lower()
    return _ALIASES.get(key, key)


@dataclass(frozen=True)
class Statement:
    """One statement of a script: ``text == script[start:end]`` without its ``;``."""

    text: str
    start: int
    end: int


def _tokenize(script: str, dialect: str) -> list[Token]:
    """Tokens of ``script``; an unterminated string swallows the rest instead of failing."""
    try:
        return Dialect.get_or_raise(sqlglot_dialect(dialect)).tokenize(script)
    except TokenError as exc:
        stop = _token_error_offset(exc, script)
        if stop is None or stop <= 0 or stop >= len(script):
            return []
        tokens = _tokenize(script[:stop], dialect)
        rest = Token(TokenType.STRING, script[stop:], start=stop, end=len(script) - 1)
        return [*tokens, rest]


def _token_error_offset(exc: TokenError, sql: str) -> int | None:
    cause = exc.__cause__
    m = _MISSING.search(str(cause)) if cause else None
    if m:
        return int(m.group(1))
    if exc.start is not None and exc.end is not None:
        return exc.start + 50 if exc.start > 0 else max(0, exc.end - 50)
    return None


def _plsql_block(tokens: list[Token], i: int) -> bool:
    first = tokens[i]
    if first.token_type in _PLSQL_HEAD:
        return True
    if first.token_type != TokenType.CREATE:
        return False
    words = [t.text.upper() for t in tokens[i + 1 : i + 5]]
    return any(w in _PLSQL_OBJECTS for w in words)


def _slash_line(script: str, token: Token) -> bool:
    """Is ``token`` a ``/`` standing alone on its line (SQL*Plus block terminator)?"""
    if token.token_type != TokenType.SLASH:
        return False
    line_start = script.rfind("\n", 0, token.start) + 1
    line_end = script.find("\n", token.end + 1)
    line = script[line_start : line_end if line_end >= 0 else len(script)]
    return line.strip() == "/"


def split_statements(script: str, dialect: str) -> list[Statement]:
    """The statements of a script with their offsets; empty statements are skipped."""
    tokens = _tokenize(script, dialect)
    oracle = sqlglot_dialect(dialect) == "oracle"
    out: list[Statement] = []
    i = 0
    while i < len(tokens):
        if tokens[i].token_type == TokenType.SEMICOLON:
            i += 1
            continue
        block = oracle and _plsql_block(tokens, i)
        j = i
        while j < len(tokens):
            tok = tokens[j]
            if block and _slash_line(script, tok):
                break
            if not block and tok.token_type == TokenType.SEMICOLON:
                break
            j += 1
        last = tokens[j - 1]
        end = last.end + 1
        if block and last.token_type == TokenType.SEMICOLON:
            end = last.end + 1  # PL/SQL keeps its final "END;"
        start = tokens[i].start
        out.append(Statement(script[start:end], start, end))
        i = j + 1
    return out


def statement_at(script: str, cursor_pos: int, dialect: str) -> Statement | None:
    """The statement under the cursor (DBeaver's Ctrl+Enter).

    A cursor inside a statement or just after its ``;`` picks it; on the blank lines between
    two statements, the previous one when on its last line, else the next one.
    """
    statements = split_statements(script, dialect)
    for st in statements:
        stop = st.end + (1 if script[st.end : st.end + 1] == ";" else 0)
        if st.start <= cursor_pos <= stop:
            return st
    before = [st for st in statements if st.end <= cursor_pos]
    after = [st for st in statements if st.start >= cursor_pos]
    if before and (not after or "\n" not in script[before[-1].end : cursor_pos]):
        return before[-1]
    if after:
        return after[0]
    return None


def strip_statement(sql: str) -> str:
    """The text without surrounding blanks and trailing ``;`` (Oracle refuses them)."""
    text = sql.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text


def is_query(sql: str, dialect: str) -> bool:
    """Does the statement return rows that a server-side cursor can stream?

    Token-based so it works on text sqlglot cannot parse: a SELECT/WITH/VALUES/( head and
    no INSERT/UPDATE/DELETE/MERGE/INTO anywhere (a data-modifying CTE or SELECT INTO).
    """
    try:
        tokens = Dialect.get_or_raise(sqlglot_dialect(dialect)).tokenize(sql)
    except TokenError:
        return False
    if not tokens or tokens[0].token_type not in _QUERY_HEAD:
        return False
    return not any(t.token_type in _WRITES for t in tokens)


def parse_problem(exc: ParseError | TokenError, sql: str) -> SqlProblem:
    """Where sqlglot failed, as a problem at the start of the offending token."""
    if isinstance(exc, TokenError):
        offset = _token_error_offset(exc, sql)
        message = "Unterminated string, quoted name or comment."
        if offset is None:
            return SqlProblem(None, None, message)
        return SqlProblem(*line_col(sql, offset), message)
    if not exc.errors:
        return SqlProblem(None, None, str(exc))
    err = exc.errors[0]
    message = _plain(str(err.get("description") or exc))
    line, col = err.get("line"), err.get("col")
    highlight = str(err.get("highlight") or "")
    if not line or not col:
        return SqlProblem(None, None, message)
    if "\n" in highlight:
        line -= highlight.count("\n")
        before = str(err.get("start_context") or "")
        col = len(before.split("\n")[-1]) + 1
    else:
        col = max(1, col - len(highlight) + 1)
    near = f' near "{highlight[:40]}"' if highlight.strip() else ""
    return SqlProblem(int(line), int(col), f"Syntax error{near}: {message}")


def _plain(description: str) -> str:
    """sqlglot describes tokens as ``<Token token_type: ...>`` and missing parts as ``Required
    keyword: 'this' missing for <class 'sqlglot.expressions.Mul'>``: keep what a user can act on."""
    text = re.sub(r"<Token token_type: [^,]+, text: ([^,]*),[^>]*>", r'"\1"', description)
    text = re.sub(
        r"Required keyword: '\w+' missing for <class '[\w.]+'>",
        "an operand or keyword is missing",
        text,
    )
    text = text.replace('"SENTINEL"', "the end of the query")  # sqlglot's end-of-input token
    return re.sub(r"<class '(?:[\w]+\.)*(\w+)'>", r"\1", text)


def _kind(expression: Any) -> str:
    if isinstance(expression, exp.Command):
        return str(expression.this).upper()
    if isinstance(expression, exp.Create | exp.Drop):
        kind = expression.args.get("kind")
        return f"{str(expression.key).upper()} {kind}" if kind else str(expression.key).upper()
    return str(expression.key).upper()


def _problem_at(sql: str, offset: int, message: str) -> SqlProblem:
    return SqlProblem(*line_col(sql, offset), message)


def validate_select(sql: str, dialect: str) -> list[SqlProblem]:
    """Problems that keep ``sql`` from being a source query: exactly one read-only SELECT."""
    if not strip_statement(sql):
        return [SqlProblem(None, None, "The SQL is empty: write a SELECT.")]
    statements = split_statements(sql, dialect)
    if len(statements) > 1:
        return [
            _problem_at(
                sql,
                statements[1].start,
                f"Only one statement is allowed here, found {len(statements)}: "
                "remove the statements after the first ';'.",
            )
        ]
    try:
        parsed = [e for e in sqlglot.parse(sql, read=sqlglot_dialect(dialect)) if e is not None]
    except (ParseError, TokenError) as exc:
        return [parse_problem(exc, sql)]
    if not parsed:
        return [SqlProblem(None, None, "The SQL is empty: write a SELECT.")]
    root = parsed[0]
    start = statements[0].start if statements else 0
    while isinstance(root, exp.Subquery) and isinstance(root.this, exp.Query):
        root = root.this
    if not isinstance(root, exp.Select | exp.SetOperation):
        return [
            _problem_at(
                sql,
                start,
                f"Only a SELECT (or WITH ... SELECT) is allowed here, not {_kind(root)}.",
            )
        ]
    modifying = root.find(*_MODIFYING)
    if modifying is not None:
        return [
            _problem_at(
                sql, start, f"A source query may not change data: it contains {_kind(modifying)}."
            )
        ]
    if any(sel.args.get("into") for sel in root.find_all(exp.Select)):
        return [_problem_at(sql, start, "SELECT ... INTO creates a table: remove the INTO.")]
    return []


def format_sql(sql: str, dialect: str) -> str:
    """The script pretty-printed by sqlglot, statement by statement.

    Raises ``SqlError`` with the position of the first syntax error, leaving the text alone.
    """
    name = sqlglot_dialect(dialect)
    out: list[str] = []
    for st in split_statements(sql, dialect):
        try:
            parsed = sqlglot.parse(st.text, read=name)
        except (ParseError, TokenError) as exc:
            problem = parse_problem(exc, st.text)
            line, col = problem.line, problem.column
            if line is not None and col is not None:
                base_line, base_col = line_col(sql, st.start)
                col = col + base_col - 1 if line == 1 else col
                line += base_line - 1
            raise SqlError(problem.message, line, col) from exc
        out += [e.sql(dialect=name, pretty=True) for e in parsed if e is not None]
    return ";\n\n".join(out) + (";" if len(out) > 1 else "")
