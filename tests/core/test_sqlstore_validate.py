"""sqlglot-side checks: one SELECT only, positions of syntax errors, splitting, formatting."""

from __future__ import annotations

import pytest
import sqlglot

from dms_desktop.core.sqlstore.errors import SqlError
from dms_desktop.core.sqlstore.validate import (
    format_sql,
    is_query,
    split_statements,
    statement_at,
    validate_select,
)

DIALECTS = ["postgres", "sqlite", "oracle", "mysql"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_error_on_line_three_has_its_line_and_column(dialect: str) -> None:
    sql = "SELECT a,\n       b\nFROM t WHERE (x = 1 AND"
    [problem] = validate_select(sql, dialect)
    assert problem.line == 3
    assert problem.column is not None and 1 <= problem.column <= len("FROM t WHERE (x = 1 AND")


def test_error_column_points_at_the_offending_token() -> None:
    sql = "SELECT a,\n  b\nFROM t WHERE x IN (1, 2 3)"
    [problem] = validate_select(sql, "postgres")
    line = sql.splitlines()[problem.line - 1]  # type: ignore[operator]
    assert (problem.line, line[problem.column - 1 :]) == (3, "3)")  # type: ignore[operator]
    assert "Syntax error" in problem.message


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_misspelt_keyword_is_explained_without_parser_internals(dialect: str) -> None:
    [problem] = validate_select("SELEC * FROM customers", dialect)
    assert (problem.line, problem.column) == (1, 9)
    assert problem.message.startswith('Syntax error near "FROM"')
    assert "missing" in problem.message
    assert "<class" not in problem.message and "sqlglot" not in problem.message


def test_a_query_cut_short_says_so() -> None:
    [problem] = validate_select("SELECT a FROM t JOIN", "postgres")
    assert problem.message.endswith("Expected table name but got the end of the query")


def test_unterminated_string_points_at_its_start() -> None:
    sql = "SELECT a\nFROM t\nWHERE b = 'open"
    [problem] = validate_select(sql, "postgres")
    assert (problem.line, problem.column) == (3, 11)
    assert "Unterminated" in problem.message


@pytest.mark.parametrize(
    ("sql", "word"),
    [
        ("INSERT INTO t VALUES (1)", "INSERT"),
        ("UPDATE t SET a = 1", "UPDATE"),
        ("DELETE FROM t", "DELETE"),
        ("CREATE TABLE x (a INT)", "CREATE TABLE"),
        ("DROP TABLE t", "DROP TABLE"),
        ("TRUNCATE TABLE t", "TRUNCATE"),
        ("VACUUM", "VACUUM"),
    ],
)
def test_ddl_and_dml_are_refused(sql: str, word: str) -> None:
    [problem] = validate_select(sql, "postgres")
    assert word in problem.message and "Only a SELECT" in problem.message


def test_writes_hidden_in_a_select_are_refused() -> None:
    [cte] = validate_select("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "postgres")
    assert "DELETE" in cte.message
    [into] = validate_select("SELECT * INTO copy_of_t FROM t", "postgres")
    assert "INTO" in into.message


def test_several_statements_are_refused_at_the_second() -> None:
    sql = "SELECT 1;\n\nSELECT 'a;b';"
    [problem] = validate_select(sql, "postgres")
    assert "Only one statement" in problem.message and "found 2" in problem.message
    assert (problem.line, problem.column) == (3, 1)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "select a from t;  -- trailing comment; with a semicolon",
        "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
        "SELECT 1 AS a UNION ALL SELECT 2 EXCEPT SELECT 3",
        "(SELECT 1)",
        "/* header */\nSELECT 'x;y' AS s -- note",
    ],
)
def test_single_selects_are_accepted(sql: str) -> None:
    assert validate_select(sql, "postgres") == []


def test_empty_text_is_a_problem() -> None:
    [problem] = validate_select("  ;  ", "postgres")
    assert "empty" in problem.message


def test_split_ignores_semicolons_in_strings_comments_and_dollar_quotes() -> None:
    script = (
        "SELECT 'a;b' AS s;\n"
        "-- a comment; still a comment\n"
        "SELECT $$ x; y $$ /* block; comment */ AS d;\n"
        'SELECT "odd;name" FROM t;;\n'
        "SELECT 4"
    )
    statements = split_statements(script, "postgres")
    assert [s.text for s in statements] == [
        "SELECT 'a;b' AS s",
        "SELECT $$ x; y $$ /* block; comment */ AS d",
        'SELECT "odd;name" FROM t',
        "SELECT 4",
    ]
    for st in statements:
        assert script[st.start : st.end] == st.text


def test_split_survives_an_unterminated_string() -> None:
    script = "SELECT 1;\nSELECT 'never closed; at all"
    statements = split_statements(script, "postgres")
    assert [s.text for s in statements] == ["SELECT 1", "SELECT 'never closed; at all"]


def test_oracle_plsql_block_runs_to_its_slash() -> None:
    script = "SELECT 1 FROM dual;\nBEGIN\n  x := 1;\n  y := 2;\nEND;\n/\nSELECT 2 FROM dual"
    texts = [s.text for s in split_statements(script, "oracle")]
    assert texts == [
        "SELECT 1 FROM dual",
        "BEGIN\n  x := 1;\n  y := 2;\nEND;",
        "SELECT 2 FROM dual",
    ]


def test_statement_at_the_cursor() -> None:
    script = "SELECT 1;\nSELECT 'a;b'\n  FROM t;\n\n\nSELECT 3"
    second = script.index("SELECT 'a")
    assert statement_at(script, 3, "postgres").text == "SELECT 1"  # type: ignore[union-attr]
    assert statement_at(script, 9, "postgres").text == "SELECT 1"  # type: ignore[union-attr]
    inside = script.index("FROM t")
    assert statement_at(script, inside, "postgres").start == second  # type: ignore[union-attr]
    blank = script.index("\n\n\n") + 2
    assert statement_at(script, blank, "postgres").text == "SELECT 3"  # type: ignore[union-attr]
    assert statement_at(script, len(script), "postgres").text == "SELECT 3"  # type: ignore[union-attr]
    assert statement_at("   ", 1, "postgres") is None


def test_format_pretty_prints_every_statement() -> None:
    out = format_sql("select a,b from t where x=1; select 2", "postgres")
    assert out.startswith("SELECT\n  a,\n  b\nFROM t\nWHERE\n  x = 1;")
    assert out.rstrip(";").endswith("SELECT\n  2")


def test_format_error_gives_the_position_in_the_script() -> None:
    with pytest.raises(SqlError) as info:
        format_sql("SELECT 1;\nSELECT (a FROM t", "postgres")
    assert info.value.line == 2
    assert info.value.column is not None and info.value.column > 1


def test_is_query_tells_streamable_statements() -> None:
    assert is_query("WITH a AS (SELECT 1) SELECT * FROM a", "postgres")
    assert is_query("(SELECT 1) UNION SELECT 2", "postgres")
    assert not is_query("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a", "postgres")
    assert not is_query("SELECT 1 INTO x", "postgres")
    assert not is_query("CREATE TABLE t (a int)", "postgres")
    assert not is_query("SHOW search_path", "postgres")


def test_formatted_sql_still_parses() -> None:
    sql = "with x as (select 1 a) select a, count(*) from x group by a order by 2 desc"
    assert sqlglot.parse_one(format_sql(sql, "sqlite"), read="sqlite") is not None
