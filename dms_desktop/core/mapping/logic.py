"""Column logic (MAPLOGIC): one SQL expression over the source query's columns, nothing more.

The engine pushes logic down into the source database, so it is parsed, never pasted: the text
is tokenised in the source dialect (a ``;`` or a comment is refused right there), parsed as one
expression (a statement cannot parse as one), and every node of the tree must be of an
allow-listed kind: column references, literals, operators, CASE/CAST and a fixed set of scalar
functions. Subqueries, window and aggregate functions, session variables, placeholders and any
function off the list (``pg_sleep``, ``dbms_lock.sleep``, ``load_file`` ...) are refused with a
message saying what to do. The SQL that runs is the tree rendered again by sqlglot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlglot import Token, TokenType, exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, TokenError, UnsupportedError
from sqlglot.tokens import Tokenizer

from dms_desktop.core.sqlstore.validate import sqlglot_dialect

SOURCE_ALIAS = "src"

_STRUCTURE: tuple[type[exp.Expr], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Null, exp.Boolean, exp.Paren, exp.Neg,
    exp.Not, exp.And, exp.Or, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod,
    exp.DPipe, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ,
    exp.NullSafeNEQ, exp.Is, exp.In, exp.Between, exp.Like, exp.ILike, exp.Case, exp.If,
    exp.DataType, exp.DataTypeParam, exp.Interval, exp.Var, exp.Tuple,
)  # fmt: skip
_FUNCTION_NAMES = (
    # conditional and conversion
    "Cast", "TryCast", "Coalesce", "Nullif", "Nvl2", "DecodeCase", "Greatest", "Least",
    "ToNumber", "ToChar",
    # text
    "Upper", "Lower", "Initcap", "Substring", "Trim", "Length", "Concat", "ConcatWs",
    "Replace", "Left", "Right", "Pad", "StrPosition", "Reverse", "Repeat", "SplitPart", "MD5",
    # numbers
    "Abs", "Round", "Floor", "Ceil", "Sign", "Sqrt", "Pow", "Ln", "Log", "Exp", "Trunc",
    # dates and times
    "CurrentDate", "CurrentTimestamp", "CurrentTime", "Extract", "DateTrunc",
    "TimestampTrunc", "DateAdd", "DateSub", "DateDiff", "Date", "TsOrDsToDate",
    "TsOrDsToTimestamp", "TimeToStr", "StrToTime", "StrToDate", "Year", "Month", "Day",
    "Quarter", "DayOfWeek", "DayOfMonth", "DayOfYear", "WeekOfYear", "LastDay", "AddMonths",
    "MonthsBetween", "TimeStrToTime", "TimeStrToDate",
)  # fmt: skip
ALLOWED_FUNCTIONS: tuple[type[exp.Func], ...] = tuple(
    getattr(exp, name) for name in _FUNCTION_NAMES if hasattr(exp, name)
)
# Dialect functions sqlglot keeps as anonymous calls: allowed by name.
ALLOWED_NAMES = frozenset(
    """TO_DATE TO_TIMESTAMP TO_NUMBER TO_CHAR NVL NVL2 DECODE INSTR LTRIM RTRIM TRUNC STRFTIME
    JULIANDAY DATE_FORMAT DATEDIFF DATE_PART IFNULL IIF PRINTF FORMAT CHAR_LENGTH LENGTHB
    TRANSLATE ASCII CHR CHAR UNISTR""".split()  # noqa: SIM905
)
FORBIDDEN_HINT = {
    "PG_SLEEP": "it pauses the database",
    "SLEEP": "it pauses the database",
    "LOAD_FILE": "it reads files on the server",
    "BENCHMARK": "it burns server time",
}


class LogicError(ValueError):
    """The logic text is refused; ``str()`` is the message for the user."""


@dataclass(frozen=True)
class ParsedLogic:
    """An accepted expression and the source columns it names (as written)."""

    tree: exp.Expr
    columns: tuple[str, ...]


_PARAMETER_TOKENS = {
    getattr(TokenType, name)
    for name in ("PARAMETER", "SESSION_PARAMETER", "PLACEHOLDER", "COLON", "DAT", "AMP")
    if hasattr(TokenType, name)
}


@cache
def _tokenizer_class(dialect: str) -> type[Tokenizer]:
    lang = Dialect.get_or_raise(dialect)
    return type(
        f"{lang.tokenizer_class.__name__}Expr", (lang.tokenizer_class,), {"COMMANDS": set()}
    )


def _tokenizer(dialect: str) -> Tokenizer:
    """The dialect's tokenizer without statement-level commands.

    SQLite/MySQL tokenizers read a leading ``REPLACE`` as the REPLACE INTO statement and
    swallow the rest; in an expression it is the string function. A new one per call: a
    tokenizer keeps its position while it works, so threads (scheduler workers) must not
    share one.
    """
    tokenizer: Tokenizer = _tokenizer_class(dialect)(dialect=Dialect.get_or_raise(dialect))
    return tokenizer


def _tokens(text: str, dialect: str) -> list[Token]:
    try:
        tokens = _tokenizer(dialect).tokenize(text)
    except TokenError as exc:
        raise LogicError("Unterminated string, quoted name or comment in the logic.") from exc
    for i, token in enumerate(tokens):
        if token.token_type == TokenType.SEMICOLON:
            raise LogicError(
                "The logic contains ';': write one expression, never several statements."
            )
        if token.comments:
            raise LogicError("Comments (-- or /* */) are not allowed in logic: remove them.")
        if token.token_type in _PARAMETER_TOKENS:
            raise LogicError(
                "Parameters and session variables (:1, ?, @x, @@x) are not supported in "
                "logic: name the source column instead."
            )
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if (
            token.token_type == TokenType.REPLACE
            and nxt is not None
            and nxt.token_type == TokenType.L_PAREN
        ):
            token.token_type = TokenType.VAR  # the REPLACE() function
    if not tokens and text.strip():
        raise LogicError("Comments (-- or /* */) are not allowed in logic: remove them.")
    return tokens


def parse_logic(text: str, dialect: str) -> ParsedLogic:
    """The accepted expression tree, or ``LogicError`` with what to change."""
    name = sqlglot_dialect(dialect)
    tokens = _tokens(text, name)
    if not tokens:
        raise LogicError("The logic is empty.")
    lang = Dialect.get_or_raise(name)
    try:
        parsed = lang.parser(error_level=ErrorLevel.RAISE).parse_into(exp.Condition, tokens, text)
    except ParseError as exc:
        head = tokens[0].text.upper()
        if tokens[0].token_type in _STATEMENT_HEADS:
            raise LogicError(
                f"The logic is a {head} statement: write one expression over the source "
                "columns instead."
            ) from exc
        raise LogicError(
            f"The logic {text.strip()[:60]!r} is not one SQL expression: check the syntax "
            "(no AS alias, no commas between expressions, no FROM)."
        ) from exc
    tree = parsed[0] if parsed else None
    if tree is None:
        raise LogicError("The logic is empty.")
    columns = _check_tree(tree)
    try:
        tree.sql(dialect=name, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        raise LogicError(f"{exc} Rewrite the logic for this database.") from exc
    return ParsedLogic(tree, tuple(columns))


_STATEMENT_HEADS = {
    getattr(TokenType, name)
    for name in """SELECT WITH INSERT UPDATE DELETE MERGE CREATE DROP ALTER TRUNCATE GRANT REVOKE EXECUTE
    COMMAND BEGIN COMMIT ROLLBACK SET USE SHOW DESCRIBE PRAGMA DECLARE REPLACE FETCH RENAME""".split()  # noqa: SIM905
    if hasattr(TokenType, name)
}


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).upper()
    return str(node.sql_name()).upper()


def _check_tree(tree: exp.Expr) -> list[str]:
    """Walk every node: refuse what is not allow-listed, collect column names."""
    columns: list[str] = []
    if tree.find(exp.Query, exp.Subquery) is not None:
        raise LogicError(
            "Subqueries are not allowed in logic: join the data in the source SQL instead."
        )
    for node in tree.walk():
        if isinstance(node, exp.Window):
            raise LogicError("Window functions (OVER ...) are not allowed in logic.")
        if isinstance(node, exp.AggFunc):
            raise LogicError(
                f"Aggregate {_function_name(node)} is not allowed in logic: set the combine "
                "code (SUM, MIN, MAX, COUNT, AVG) of the column instead."
            )
        if isinstance(node, exp.Func) and not isinstance(node, _STRUCTURE):
            _check_function(node)
            continue
        if isinstance(node, exp.Column):
            columns.append(_column_name(node))
            continue
        if not isinstance(node, _STRUCTURE):
            raise LogicError(_refusal(node))
    return columns


def _check_function(node: exp.Func) -> None:
    name = _function_name(node)
    if isinstance(node, exp.Anonymous):
        allowed = name in ALLOWED_NAMES
    else:
        allowed = isinstance(node, ALLOWED_FUNCTIONS)
    if not allowed:
        why = FORBIDDEN_HINT.get(name, "it is not on the list of allowed scalar functions")
        raise LogicError(f"Function {name} is not allowed in logic: {why}.")


def _column_name(node: exp.Column) -> str:
    if node.args.get("db") or node.args.get("catalog"):
        raise LogicError(
            f"{node.sql()} names another schema or package: logic may only use the source "
            "query's columns and allowed functions."
        )
    table = node.table
    if table and table.lower() != SOURCE_ALIAS:
        raise LogicError(
            f"{node.sql()}: name source columns without a table prefix (or with {SOURCE_ALIAS}.)."
        )
    if isinstance(node.this, exp.Star):
        raise LogicError("* is not allowed in logic: name one source column.")
    return str(node.name)


def _refusal(node: exp.Expr) -> str:
    if isinstance(node, exp.Placeholder | exp.Parameter | exp.SessionParameter):
        return (
            f"{node.sql()} is a parameter or session variable: name the source column instead "
            "(positional :1 references are not supported)."
        )
    if isinstance(node, exp.Dot):
        return (
            f"{node.sql()[:60]} calls a package or schema object: only allowed scalar "
            "functions may be used."
        )
    return f"{node.sql()[:60]!r} ({node.key}) is not allowed in logic."


def unknown_columns(names: Iterable[str], available: Iterable[str]) -> list[str]:
    """Names (case-insensitive) that are not among the source query's columns."""
    known = {a.upper() for a in available}
    seen: list[str] = []
    for name in names:
        if name.upper() not in known and name not in seen:
            seen.append(name)
    return seen


def render(tree: exp.Expr, dialect: str) -> str:
    return tree.sql(dialect=sqlglot_dialect(dialect), unsupported_level=ErrorLevel.RAISE)


def allowed_function_names() -> list[str]:
    """Every function name logic may call (for completion in the logic editor)."""
    names = set(ALLOWED_NAMES)
    for kind in ALLOWED_FUNCTIONS:
        names.update(str(n).upper() for n in kind.sql_names() if str(n).replace("_", "").isalpha())
    return sorted(names)
