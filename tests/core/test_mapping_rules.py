"""Validation rules of a mapping, each with a failing and a passing case (no database needed).

``check_mapping`` applies the rules to what the databases said (``ValidationContext``); the
tests in test_mapping_validate.py check that the context is gathered for real, on both
metadata backends, in a constant number of round trips.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from dms_desktop.core.mapping.logic import LogicError, parse_logic
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.names import identifier_problem
from dms_desktop.core.mapping.types import parse_type, shape, suggest_type, type_choices, widens
from dms_desktop.core.mapping.validate import ValidationContext, check_mapping

SOURCE = [
    "customer_code",
    "first_name",
    "last_name",
    "email",
    "city",
    "region_name",
    "amount",
    "quantity",
    "order_date",
    "sku",
]
C = MappingColumn


def dimension() -> Mapping:
    return Mapping(
        ref="DIM_CUSTOMER",
        table_name="DIM_CUSTOMER",
        table_type="DIMENSION",
        sql_code="SQL_CUSTOMERS",
        target_conid=1,
        freq_code="DL",
        bulk_rows=1000,
        columns=[
            C("CUSTOMER_CODE", "VARCHAR(10)", key=True, key_seq=1, logic="customer_code"),
            C(
                "CUSTOMER_NAME",
                "VARCHAR(100)",
                logic="first_name || ' ' || last_name",
                scd_type="1",
            ),
            C("CITY", "VARCHAR(100)", scd_type="2"),
            C("REGION", "VARCHAR(100)", logic="UPPER(TRIM(region_name))", scd_type="2"),
        ],
    )


def fact() -> Mapping:
    return Mapping(
        ref="FACT_SALES",
        table_name="FACT_SALES",
        table_type="FACT",
        sql_code="SQL_LINES",
        target_conid=1,
        columns=[
            C("ORDER_DATE", "DATE", key=True, key_seq=1, logic="DATE(order_date)"),
            C(
                "CUSTOMER_SK",
                "BIGINT",
                key=True,
                key_seq=2,
                logic="customer_code",
                lookup_table="DIM_CUSTOMER",
                key_column="CUSTOMER_CODE",
                value_column="SKEY",
            ),
            C("AMOUNT", "NUMERIC(18,2)", logic="amount", combine="SUM"),
            C("LINES", "INTEGER", logic="sku", combine="COUNT"),
        ],
    )


def context(**changes: object) -> ValidationContext:
    ctx = ValidationContext(
        target_dialect="postgres",
        source_dialect="sqlite",
        source_columns=list(SOURCE),
        lookup_columns={"DIM_CUSTOMER": ["skey", "customer_code", "city"], "DIM_GONE": None},
    )
    for key, value in changes.items():
        setattr(ctx, key, value)
    return ctx


def problems_of(mapping: Mapping, ctx: ValidationContext | None = None) -> list[tuple]:
    return [(p.column, p.field, p.message) for p in check_mapping(mapping, ctx or context())]


def test_the_base_mappings_are_valid() -> None:
    assert problems_of(dimension()) == []
    assert problems_of(fact()) == []


Change = Callable[[Mapping], None]


def col(mapping: Mapping, name: str) -> MappingColumn:
    return next(c for c in mapping.columns if c.name == name)


def _set(name: str, **values: object) -> Change:
    def change(m: Mapping) -> None:
        target = col(m, name)
        for key, value in values.items():
            setattr(target, key, value)

    return change


def _header(**values: object) -> Change:
    def change(m: Mapping) -> None:
        for key, value in values.items():
            setattr(m, key, value)

    return change


def _add(column: MappingColumn) -> Change:
    return lambda m: m.columns.append(column)


# (id, base, change that breaks one rule, expected column, field, words in the message)
FAILING = [
    ("ref", dimension, _header(ref="DIM CUSTOMER"), None, "ref", "letters"),
    ("table type", dimension, _header(table_type="CUBE"), None, "table_type", "DIMENSION"),
    ("table quotes", dimension, _header(table_name='DIM"X'), None, "table_name", "quotes"),
    ("table reserved", dimension, _header(table_name="ORDER"), None, "table_name", "reserved"),
    ("schema", dimension, _header(target_schema="cdr dw"), None, "target_schema", "quotes"),
    ("no target", dimension, _header(target_conid=None), None, "target_conid", "target"),
    ("no sql", dimension, _header(sql_code=None), None, "sql_code", "source SQL"),
    ("frequency", dimension, _header(freq_code="HOURLY"), None, "freq_code", "DL"),
    ("bulk rows", dimension, _header(bulk_rows=0), None, "bulk_rows", "positive"),
    ("threshold", dimension, _header(error_threshold=-1), None, "error_threshold", "negative"),
    (
        "close on fact",
        fact,
        _header(on_source_delete="CLOSE"),
        None,
        "on_source_delete",
        "Only a DIMENSION",
    ),
    ("no columns", dimension, _header(columns=[]), None, "columns", "no columns"),
    (
        "column quotes",
        dimension,
        _add(C('A""B', "INTEGER", scd_type="1", logic="1")),
        'A""B',
        "name",
        "quotes",
    ),
    (
        "column space",
        dimension,
        _add(C("ZIP CODE", "INTEGER", scd_type="1", logic="1")),
        "ZIP CODE",
        "name",
        "quotes",
    ),
    (
        "column reserved",
        dimension,
        _add(C("SELECT", "INTEGER", scd_type="1", logic="1")),
        "SELECT",
        "name",
        "reserved",
    ),
    (
        "audit name",
        dimension,
        _add(C("RWHKEY", "CHAR(32)", scd_type="1", logic="email")),
        "RWHKEY",
        "name",
        "audit column",
    ),
    ("duplicate", dimension, _add(C("city", "VARCHAR(10)", scd_type="1")), "city", "name", "twice"),
    (
        "type typo",
        dimension,
        _set("CITY", data_type="VARCHR(100)"),
        "CITY",
        "data_type",
        "not a data type",
    ),
    (
        "type of other dialect",
        dimension,
        _set("CITY", data_type="VARCHAR2(100)"),
        "CITY",
        "data_type",
        "PostgreSQL",
    ),
    (
        "type with junk",
        dimension,
        _set("CITY", data_type="INTEGER PRIMARY KEY"),
        "CITY",
        "data_type",
        "not a data type",
    ),
    (
        "type statement",
        dimension,
        _set("CITY", data_type="INT); DROP TABLE x; --"),
        "CITY",
        "data_type",
        "not a data type",
    ),
    (
        "type size",
        dimension,
        _set("CITY", data_type="NUMERIC(10,12)"),
        "CITY",
        "data_type",
        "scale",
    ),
    (
        "dimension without key",
        dimension,
        _set("CUSTOMER_CODE", key=False, key_seq=None, scd_type="1"),
        None,
        "key",
        "business key",
    ),
    ("seq without key", fact, _set("AMOUNT", key_seq=3), "AMOUNT", "key_seq", "without the key"),
    (
        "key without seq",
        fact,
        _set("CUSTOMER_SK", key_seq=None),
        "CUSTOMER_SK",
        "key_seq",
        "sequence",
    ),
    ("seq gap", fact, _set("CUSTOMER_SK", key_seq=3), "CUSTOMER_SK", "key_seq", "without gaps"),
    ("seq twice", fact, _set("CUSTOMER_SK", key_seq=1), "CUSTOMER_SK", "key_seq", "twice"),
    ("scd missing", dimension, _set("CITY", scd_type=None), "CITY", "scd_type", "Choose"),
    (
        "scd on key",
        dimension,
        _set("CUSTOMER_CODE", scd_type="2"),
        "CUSTOMER_CODE",
        "scd_type",
        "key column",
    ),
    ("scd on fact", fact, _set("AMOUNT", scd_type="1"), "AMOUNT", "scd_type", "no history"),
    ("scd value", dimension, _set("CITY", scd_type="3"), "CITY", "scd_type", "1 (overwrite)"),
    ("combine code", fact, _set("AMOUNT", combine="MEDIAN"), "AMOUNT", "combine", "SUM"),
    (
        "combine on key",
        fact,
        _set("ORDER_DATE", combine="MAX"),
        "ORDER_DATE",
        "combine",
        "key column",
    ),
    (
        "sum of text",
        fact,
        _set("LINES", combine="SUM", data_type="VARCHAR(10)"),
        "LINES",
        "combine",
        "numeric",
    ),
    (
        "combine a lookup",
        fact,
        _set("CUSTOMER_SK", key=False, key_seq=None, combine="MAX"),
        "CUSTOMER_SK",
        "combine",
        "looked-up",
    ),
    (
        "aggregate in logic",
        fact,
        _set("AMOUNT", logic="SUM(amount)", combine=None),
        "AMOUNT",
        "logic",
        "combine code",
    ),
    (
        "unknown column",
        dimension,
        _set("REGION", logic="UPPER(regoin_name)"),
        "REGION",
        "logic",
        "Unknown source column regoin_name (did you mean REGION_NAME?)",
    ),
    (
        "no logic, no column",
        dimension,
        _add(C("ZIP", "VARCHAR(10)", scd_type="1")),
        "ZIP",
        "logic",
        "no source column named ZIP",
    ),
    (
        "lookup half",
        fact,
        _set("CUSTOMER_SK", value_column=None),
        "CUSTOMER_SK",
        "value_column",
        "value",
    ),
    (
        "lookup columns alone",
        fact,
        _set("AMOUNT", key_column="X"),
        "AMOUNT",
        "lookup_table",
        "need a lookup table",
    ),
    (
        "lookup table missing",
        fact,
        _set("CUSTOMER_SK", lookup_table="DIM_GONE"),
        "CUSTOMER_SK",
        "lookup_table",
        "does not exist",
    ),
    (
        "lookup key missing",
        fact,
        _set("CUSTOMER_SK", key_column="CUST_CODE"),
        "CUSTOMER_SK",
        "key_column",
        "no column CUST_CODE",
    ),
    ("exec seq", fact, _set("AMOUNT", exec_seq=0), "AMOUNT", "exec_seq", "1 or more"),
]


@pytest.mark.parametrize(
    ("base", "change", "column", "field", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in FAILING],
)
def test_each_rule_refuses_its_case(
    base: Callable[[], Mapping], change: Change, column: str | None, field: str, words: str
) -> None:
    mapping = base()
    change(mapping)
    found = problems_of(mapping)
    assert [(c, f) for c, f, m in found if words in m] == [(column, field)], found


INJECTIONS = [
    ("1; DROP TABLE x", "';'"),
    ("amount; DELETE FROM orders", "';'"),
    ("(SELECT max(amount) FROM orders)", "Subqueries"),
    ("amount + (SELECT 1)", "Subqueries"),
    ("amount IN (SELECT amount FROM orders)", "Subqueries"),
    ("EXISTS (SELECT 1)", "Subqueries"),
    ("pg_sleep(10)", "PG_SLEEP is not allowed"),
    ("dbms_lock.sleep(10)", "package or schema"),
    ("load_file('/etc/passwd')", "LOAD_FILE is not allowed"),
    ("amount -- comment", "Comments"),
    ("amount /* ) FROM users -- */", "Comments"),
    ("/* */ amount", "Comments"),
    ("DROP TABLE x", "DROP statement"),
    ("SELECT amount FROM orders", "SELECT statement"),
    ("amount AS total", "not one SQL expression"),
    ("amount, quantity", "not one SQL expression"),
    ("'unterminated", "Unterminated"),
    ("SUM(amount) OVER ()", "Window"),
    ("x.amount", "table prefix"),
    ("pg_catalog.pg_class.oid", "another schema"),
    (":1", "Parameters"),
    ("?", "Parameters"),
    ("@x", "Parameters"),
    ("@@version", "session variables"),
]


@pytest.mark.parametrize(("logic", "words"), INJECTIONS, ids=[i[0] for i in INJECTIONS])
@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "oracle", "mysql"])
def test_injection_attempts_in_logic_are_refused(logic: str, words: str, dialect: str) -> None:
    with pytest.raises(LogicError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_logic(logic, dialect)


@pytest.mark.parametrize(
    ("logic", "dialect", "columns"),
    [
        (
            "quantity * unit_price * (1 - discount_pct / 100)",
            "sqlite",
            ["quantity", "unit_price", "discount_pct"],
        ),
        ("CASE WHEN amount > 0 THEN 'Y' ELSE 'N' END", "postgres", ["amount"]),
        ("COALESCE(NULLIF(TRIM(email), ''), 'unknown')", "oracle", ["email"]),
        ("NVL(email, 'x') || '-' || SUBSTR(city, 1, 3)", "oracle", ["email", "city"]),
        ("REPLACE(LOWER(email), '@', ' at ')", "sqlite", ["email"]),
        ("CAST(amount AS NUMERIC(12,2))", "postgres", ["amount"]),
        ("ROUND(src.amount, 2)", "mysql", ["amount"]),
        ("EXTRACT(YEAR FROM order_date)", "postgres", ["order_date"]),
        ("'it''s'", "sqlite", []),
    ],
)
def test_allowed_logic_parses(logic: str, dialect: str, columns: list[str]) -> None:
    assert sorted(parse_logic(logic, dialect).columns) == sorted(columns)


def test_names_fold_and_reserved_words_per_dialect() -> None:
    assert identifier_problem("LEVEL", "postgres") is None
    assert "reserved word in Oracle" in str(identifier_problem("LEVEL", "oracle"))
    assert "30 characters" not in str(identifier_problem("A" * 30, "oracle"))
    assert "allows 30" in str(identifier_problem("A" * 31, "oracle"))
    assert identifier_problem("A" * 63, "postgres") is None
    assert "allows 63" in str(identifier_problem("A" * 64, "postgres"))
    assert "quotes" in str(identifier_problem('a"b', "postgres"))
    assert "quotes" in str(identifier_problem("1ST", "sqlite"))
    oracle = check_mapping(
        replace(dimension(), table_name="T" * 31), context(target_dialect="oracle")
    )
    assert [p.field for p in oracle if "allows 30" in p.message] == ["table_name"]


def test_types_per_dialect() -> None:
    assert parse_type("varchar2( 100 )", "oracle").text == "VARCHAR2(100)"
    assert parse_type("numeric(18, 2)", "postgres").family == "decimal"
    assert parse_type("double precision", "postgres").text == "DOUBLE PRECISION"
    with pytest.raises(ValueError, match="needs a length"):
        parse_type("VARCHAR2", "oracle")
    with pytest.raises(ValueError, match="between 1 and 4000"):
        parse_type("VARCHAR2(5000)", "oracle")
    with pytest.raises(ValueError, match="not a data type of SQLite"):
        parse_type("CLOB", "sqlite")
    assert parse_type("CLOB", None).family == "text"  # no target yet: any dialect's type
    for dialect in ("postgres", "oracle", "sqlite", "mysql"):
        for choice in type_choices(dialect):
            parse_type(choice, dialect)
    assert widens(shape("VARCHAR(20)"), shape("VARCHAR(40)")) is True
    assert widens(shape("VARCHAR(40)"), shape("VARCHAR(20)")) is False
    assert widens(shape("NUMERIC(10, 2)"), shape("NUMERIC(12,2)")) is True
    assert widens(shape("NUMERIC(10,2)"), shape("NUMERIC(10,4)")) is False  # fewer digits left
    assert widens(shape("INTEGER"), shape("BIGINT")) is True
    assert widens(shape("VARCHAR(10)"), shape("INTEGER")) is False
    assert widens(shape("NUMBER(10)"), shape("NUMBER(10, 0)")) is None
    assert suggest_type("character varying(30)", "oracle") == "VARCHAR2(30)"
    assert suggest_type("numeric(12,2)", "mysql") == "DECIMAL(12,2)"
    assert suggest_type("", "postgres") == "VARCHAR(255)"


def test_unknown_context_skips_rules_instead_of_flooding() -> None:
    """No source columns (the SQL failed): logic is still parsed but columns not checked."""
    mapping = dimension()
    col(mapping, "REGION").logic = "UPPER(nothing_known)"
    assert problems_of(mapping, context(source_columns=None, lookup_columns={})) == []
    col(mapping, "REGION").logic = "pg_sleep(1)"
    assert [f for _c, f, _m in problems_of(mapping, context(source_columns=None))] == ["logic"]


def test_generate_columns_from_described_source_columns() -> None:
    from dms_desktop.core.mapping.generate import generate_columns
    from dms_desktop.core.mapping.logic import allowed_function_names
    from dms_desktop.core.sqlstore.describe import ResultColumn

    described = [
        ResultColumn("customer_code", "character varying(10)"),
        ResultColumn("quantity*unit_price", ""),
        ResultColumn("order", "integer"),
        ResultColumn("SKEY", "bigint"),
        ResultColumn("amount", "numeric(12,2)"),
    ]
    columns = generate_columns(described, "oracle", "postgres", table_type="DIMENSION")
    assert [(c.name, c.data_type, c.logic) for c in columns] == [
        ("CUSTOMER_CODE", "VARCHAR2(10)", "customer_code"),
        ("QUANTITY_UNIT_PRICE", "VARCHAR2(255)", '"quantity*unit_price"'),
        ("ORDER_COL", "NUMBER(19)", '"order"'),
        ("SKEY_COL", "NUMBER(19)", '"SKEY"'),
        ("AMOUNT", "NUMBER(12,2)", "amount"),
    ]
    mapping = Mapping(
        ref="GEN",
        table_name="GEN",
        table_type="DIMENSION",
        sql_code="S",
        target_conid=1,
        columns=[replace(columns[0], key=True, key_seq=1, scd_type=None), *columns[1:]],
    )
    ctx = context(
        target_dialect="oracle",
        source_dialect="postgres",
        source_columns=[c.name for c in described],
    )
    assert check_mapping(mapping, ctx) == []
    assert {"COALESCE", "UPPER", "SUBSTRING", "NVL"} <= set(allowed_function_names())
    assert "PG_SLEEP" not in allowed_function_names()


def test_sqlite_targets_have_no_schema() -> None:
    mapping = replace(dimension(), target_schema="cdr")
    assert problems_of(mapping) == []  # a PostgreSQL schema
    sqlite = problems_of(mapping, context(target_dialect="sqlite"))
    assert [(c, f) for c, f, _m in sqlite] == [(None, "target_schema")]
    assert problems_of(replace(mapping, target_schema=None), context(target_dialect="sqlite")) == []
