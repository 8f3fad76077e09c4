"""The transformed source query: logic pushed down into the source database.

``SELECT <logic> AS <col>, … FROM (<source sql>) src [GROUP BY …]`` is built as a sqlglot tree:
each logic is parsed (and checked) by ``parse_logic`` and rendered again, column references are
re-quoted to the exact names the source described, aliases are target names. The source SQL is
the managed query, itself validated as one read-only SELECT; it is placed verbatim on its own
lines (as ``describe`` does), because re-rendering it could rename SQLite's derived columns
(``quantity*unit_price``) and a trailing ``-- comment`` must not swallow the parenthesis.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlglot import exp
from sqlglot.errors import ErrorLevel

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.mapping.logic import SOURCE_ALIAS, LogicError, parse_logic
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.names import identifier_problem
from dms_desktop.core.sqlstore.validate import sqlglot_dialect, strip_statement, validate_select

AGGREGATES: dict[str, type[exp.AggFunc]] = {
    "SUM": exp.Sum,
    "MIN": exp.Min,
    "MAX": exp.Max,
    "COUNT": exp.Count,
    "AVG": exp.Avg,
}


def target_identifier(name: str, dialect: str) -> exp.Identifier:
    """A target name unquoted (folded the database's way); quoted only if it would break."""
    plain = identifier_problem(name, dialect) is None
    return exp.to_identifier(name, quoted=not plain)


def _expression(col: MappingColumn, dialect: str, exact: dict[str, str]) -> exp.Expr:
    text = (col.logic or "").strip()
    if text:
        try:
            tree = parse_logic(text, dialect).tree
        except LogicError as exc:
            raise ValidationError(f"Column {col.name}: {exc}") from exc
    else:
        tree = exp.column(col.name)
    for ref in list(tree.find_all(exp.Column)):
        real = exact.get(ref.name.upper())
        if real is not None:
            ref.set("this", exp.to_identifier(real, quoted=True))
        ref.set("table", exp.to_identifier(SOURCE_ALIAS))
    return tree


def transformed_select(
    mapping: Mapping, dialect: str, source_columns: Sequence[str] | None = None
) -> exp.Select:
    """The tree, reading from a placeholder table aliased ``src`` (see ``transformed_query``)."""
    name = sqlglot_dialect(dialect)
    if not mapping.columns:
        raise ValidationError(f"Mapping {mapping.ref} has no columns.")
    exact = {c.upper(): c for c in source_columns or ()}
    projections: list[exp.Expr] = []
    groups: list[exp.Expr] = []
    for col in mapping.columns:
        tree = _expression(col, name, exact)
        code = (col.combine or "").upper()
        if code:
            if code not in AGGREGATES:
                raise ValidationError(f"Column {col.name}: unknown combine code {code}.")
            tree = AGGREGATES[code](this=tree)
        else:
            groups.append(tree.copy())
        projections.append(exp.alias_(tree, target_identifier(col.name, name)))
    select = exp.select(*projections)
    if len(groups) < len(projections):
        select = select.group_by(*groups) if groups else select
    return select


def transformed_query(
    mapping: Mapping,
    source_sql: str,
    dialect: str,
    source_columns: Sequence[str] | None = None,
    *,
    limit: int | None = None,
) -> str:
    """The source query with every column's logic, aggregation and GROUP BY applied.

    ``source_columns`` (the described names) lets column references be quoted exactly as
    the source spells them; ``limit`` adds the dialect's row limit (preview).
    """
    name = sqlglot_dialect(dialect)
    problems = validate_select(source_sql, name)
    if problems:
        raise ValidationError(f"The source SQL is not valid: {problems[0]}")
    placeholder = f"dms_source_{uuid.uuid4().hex}"
    select = transformed_select(mapping, name, source_columns).from_(
        exp.alias_(exp.to_table(placeholder), SOURCE_ALIAS, table=True)
    )
    if limit is not None:
        select = select.limit(max(0, int(limit)))
    sql = select.sql(dialect=name, pretty=True, unsupported_level=ErrorLevel.RAISE)
    # The placeholder is our own token, unique in the text: swap in the managed query.
    return sql.replace(placeholder, f"(\n{strip_statement(source_sql)}\n)", 1)
