"""Result columns described by the database itself, proven to fetch no row."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL

from dms_desktop.core.sqlstore import describe as describe_mod
from dms_desktop.core.sqlstore.describe import (
    ResultColumn,
    columns_from_json,
    columns_to_json,
    describe_columns,
    wrap_describe,
)
from dms_desktop.core.sqlstore.errors import ConnectionFailed, SqlError

MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/"


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'src.db'}", pool_pre_ping=True)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, "
            "amount NUMERIC(12,2), placed DATETIME)"
        )
        conn.exec_driver_sql("INSERT INTO orders VALUES (1, 'a', 1.5, '2024-01-01 10:00:00')")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_database: URL) -> Iterator[Engine]:
    engine = create_engine(pg_database, pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture
def mysql_engine() -> Iterator[Engine]:
    admin = create_engine(MYSQL_URL, connect_args={"connect_timeout": 3})
    name = f"dms_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except Exception as exc:  # noqa: BLE001 - MariaDB is an optional extra here
        admin.dispose()
        pytest.skip(f"MariaDB unreachable: {exc}")
    engine = create_engine(f"{MYSQL_URL}{name}", pool_pre_ping=True)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name}")
    admin.dispose()


def test_sqlite_declared_and_inferred_types(sqlite_engine: Engine) -> None:
    cols = describe_columns(
        sqlite_engine,
        "SELECT id, customer, amount, placed, amount * 2 AS doubled, upper(customer) AS up, "
        "count(*) OVER () AS n FROM orders",
        "sqlite",
    )
    assert [(c.name, c.type) for c in cols] == [
        ("id", "INTEGER"),
        ("customer", "TEXT"),
        ("amount", "NUMERIC(12,2)"),
        ("placed", "DATETIME"),
        ("doubled", cols[4].type),
        ("up", "TEXT"),
        ("n", "INTEGER"),
    ]
    assert cols[4].type  # inferred by sqlglot, whatever its exact spelling


def test_sqlite_describe_calls_no_row_function(sqlite_engine: Engine) -> None:
    calls: list[Any] = []

    @event.listens_for(sqlite_engine, "connect")
    def _register(dbapi_conn: Any, _record: Any) -> None:
        def boom(value: Any) -> int:
            calls.append(value)
            return 1

        dbapi_conn.create_function("boom", 1, boom)

    sqlite_engine.dispose()  # new connections get the function
    cols = describe_columns(sqlite_engine, "SELECT boom(id) AS b FROM orders", "sqlite")
    assert [c.name for c in cols] == ["b"]
    assert calls == []  # the row was never produced


def test_sqlite_error_position_maps_to_user_text(sqlite_engine: Engine) -> None:
    with pytest.raises(SqlError) as info:
        describe_columns(sqlite_engine, "SELECT id,\n  customer\n  FORM orders", "sqlite")
    assert (info.value.line, info.value.column) == (3, 8)
    with pytest.raises(SqlError, match="no such column: nope"):
        describe_columns(sqlite_engine, "SELECT nope FROM orders", "sqlite")


@pytest.mark.pg
def test_postgres_types_and_no_row_is_produced(pg_engine: Engine) -> None:
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("CREATE SEQUENCE describe_seq")
    sql = (
        "SELECT n, 1/(n - n) AS boom, nextval('describe_seq') AS seq,\n"
        "       n::numeric(10,2) AS amount, 'x'::varchar(20) AS code, now() AS at,\n"
        "       NULL::bytea AS raw\n"
        "FROM generate_series(1, 10) n  -- a trailing comment"
    )
    cols = describe_columns(pg_engine, sql, "postgres")
    assert [(c.name, c.type) for c in cols] == [
        ("n", "integer"),
        ("boom", "integer"),
        ("seq", "bigint"),
        ("amount", "numeric(10,2)"),
        ("code", "character varying(20)"),
        ("at", "timestamp with time zone"),
        ("raw", "bytea"),
    ]
    with pg_engine.connect() as conn:
        # Running it would divide by zero and advance the sequence: neither happened.
        assert conn.exec_driver_sql("SELECT is_called FROM describe_seq").scalar() is False


@pytest.mark.pg
def test_postgres_error_on_line_three(pg_engine: Engine) -> None:
    sql = "  SELECT n,\n         n * 2 AS twice\n  FROM generate_series(1, 3) n WHERE nope > 1"
    with pytest.raises(SqlError) as info:
        describe_columns(pg_engine, sql, "postgres")
    err = info.value
    assert 'column "nope" does not exist' in err.message
    assert (err.line, err.column) == (3, sql.splitlines()[2].index("nope") + 1)
    assert "LINE" not in err.message and "SELECT * FROM" not in err.message


@pytest.mark.pg
def test_postgres_type_names_are_cached_per_engine(pg_engine: Engine) -> None:
    describe_columns(pg_engine, "SELECT 1::int AS a", "postgres")
    assert describe_mod._PG_TYPES[pg_engine][23] == "integer"


def test_unreachable_database_is_a_connection_failure(tmp_path: Path) -> None:
    engine = create_engine(
        "postgresql+psycopg2://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2}
    )
    with pytest.raises(ConnectionFailed, match="Connection refused"):
        describe_columns(engine, "SELECT 1", "postgres")


def test_mysql_types_and_error_position(mysql_engine: Engine) -> None:
    with mysql_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INT PRIMARY KEY, price DECIMAL(10,2), note TEXT)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 2.5, 'x')")
    cols = describe_columns(mysql_engine, "SELECT id, price, note, NOW() AS at FROM t", "mysql")
    assert [c.name for c in cols] == ["id", "price", "note", "at"]
    assert cols[0].type == "int" and cols[1].type == "decimal(10,2)" and cols[3].type == "datetime"
    assert cols[0].nullable is False
    with pytest.raises(SqlError) as info:
        describe_columns(mysql_engine, "SELECT id,\n  price\n  FORM t", "mysql")
    assert (info.value.line, info.value.column) == (3, 8)


def test_oracle_wrapper_is_valid_oracle_sql() -> None:
    text, offset = wrap_describe("SELECT a FROM t -- note;\n;", "oracle")
    # Trailing semicolons go (Oracle refuses them), even the one that ends the comment.
    assert text == "SELECT * FROM (\nSELECT a FROM t -- note\n) WHERE 1=0"
    assert text[offset:].startswith("SELECT a FROM t")
    tree = sqlglot.parse_one(text, read="oracle")
    assert tree.args["where"] is not None and tree.find(sqlglot.exp.Subquery) is not None


def test_oracle_description_types() -> None:
    import oracledb

    def d(kind: Any, size: int | None, precision: int | None, scale: int | None) -> tuple[Any, ...]:
        return ("C", kind, None, size, precision, scale, True)

    assert describe_mod._oracle_type(d(oracledb.DB_TYPE_NUMBER, None, 10, 2)) == "NUMBER(10,2)"
    assert describe_mod._oracle_type(d(oracledb.DB_TYPE_NUMBER, None, 0, -127)) == "NUMBER"
    assert describe_mod._oracle_type(d(oracledb.DB_TYPE_VARCHAR, 30, None, None)) == "VARCHAR2(30)"
    assert describe_mod._oracle_type(d(oracledb.DB_TYPE_DATE, None, None, None)) == "DATE"


def test_columns_json_round_trip() -> None:
    cols = [ResultColumn("a", "integer", None), ResultColumn("b", "text", False)]
    assert columns_from_json(columns_to_json(cols)) == cols
    assert columns_from_json(None) == []
