"""The SQL editor's runner on real databases: streaming, real cancel, dropped backends."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from dms_desktop.core.errors import DmsError
from dms_desktop.core.sqlstore.errors import QueryCancelled, SqlError
from dms_desktop.core.sqlstore.runner import QueryRun, explain, explain_statements, sorted_sql

MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/mysql"
SQLITE_SPIN = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) "
    "SELECT count(*) FROM c"
)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'src.db'}", pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_database: URL) -> Iterator[Engine]:
    engine = create_engine(pg_database, pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture
def mysql_engine() -> Iterator[Engine]:
    try:
        engine = create_engine(MYSQL_URL, pool_pre_ping=True, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - MariaDB is an optional extra here
        pytest.skip(f"MariaDB unreachable: {exc}")
    yield engine
    engine.dispose()


def _run_all(engine: Engine, dialect: str, sql: str) -> list[tuple[object, ...]]:
    with QueryRun(engine, dialect, sql) as run:
        run.start()
        rows: list[tuple[object, ...]] = []
        while not run.exhausted:
            rows += run.fetch()
        return rows


def _cancel_after(run: QueryRun, seconds: float) -> threading.Thread:
    def later() -> None:
        time.sleep(seconds)
        run.cancel()

    thread = threading.Thread(target=later)
    thread.start()
    return thread


@pytest.mark.pg
def test_postgres_streams_from_a_server_side_cursor(pg_engine: Engine) -> None:
    # Ten million rows: a client-side cursor would take many seconds and gigabytes.
    started = time.perf_counter()
    run = QueryRun(
        pg_engine, "postgres", "SELECT n, md5(n::text) AS h FROM generate_series(1, 10000000) n"
    )
    run.start()
    first = run.fetch(500)
    assert time.perf_counter() - started < 10  # client-side: minutes and gigabytes
    assert [c.name for c in run.columns] == ["n", "h"] and run.columns[0].type == "integer"
    assert len(first) == 500 and first[0][0] == 1 and not run.exhausted
    assert run.fetch(500)[0][0] == 501
    assert run.session_id is not None
    run.close()
    assert pg_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


@pytest.mark.pg
def test_postgres_small_result_releases_its_connection(pg_engine: Engine) -> None:
    run = QueryRun(
        pg_engine, "postgres", "SELECT n FROM generate_series(1, 1200) n", fetch_size=500
    )
    run.start()
    pages = [len(run.fetch()) for _ in range(3)]
    assert pages == [500, 500, 200] and run.exhausted and run.rowcount == 1200
    assert pg_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


@pytest.mark.pg
def test_postgres_cancel_from_another_thread(pg_engine: Engine) -> None:
    run = QueryRun(pg_engine, "postgres", "SELECT pg_sleep(30)")
    canceller = _cancel_after(run, 0.5)
    started = time.perf_counter()
    with pytest.raises(QueryCancelled):
        run.start()
    assert time.perf_counter() - started < 10  # cancelled, not run for 30 s or minutes
    canceller.join()
    assert _run_all(pg_engine, "postgres", "SELECT 1") == [(1,)]
    assert pg_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


@pytest.mark.pg
def test_postgres_cancel_before_the_statement_reaches_the_server(pg_engine: Engine) -> None:
    run = QueryRun(pg_engine, "postgres", "SELECT pg_sleep(30)")
    run.cancel()
    with pytest.raises(QueryCancelled):
        run.start()


@pytest.mark.pg
def test_postgres_terminated_backend_is_survived(pg_engine: Engine) -> None:
    run = QueryRun(pg_engine, "postgres", "SELECT n FROM generate_series(1, 100000) n")
    run.start()
    run.fetch()
    killer = create_engine(pg_engine.url)
    with killer.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_terminate_backend({run.session_id})")
    with pytest.raises(DmsError, match="connection to the database was lost"):
        run.fetch(100000)
    run.close()
    # An idle pooled connection whose backend died is replaced by pre-ping.
    [(pid,)] = _run_all(pg_engine, "postgres", "SELECT pg_backend_pid()")
    with killer.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    killer.dispose()
    time.sleep(0.2)
    assert _run_all(pg_engine, "postgres", "SELECT 2") == [(2,)]


@pytest.mark.pg
def test_postgres_errors_point_into_the_users_text(pg_engine: Engine) -> None:
    sql = "SELECT n,\n  n * 2\nFROM generate_series(1, 3) n WHERE zz"
    with pytest.raises(SqlError) as info:
        QueryRun(pg_engine, "postgres", sql).start()
    assert 'column "zz" does not exist' in info.value.message
    assert (info.value.line, info.value.column) == (3, sql.splitlines()[2].index("zz") + 1)
    with pytest.raises(SqlError) as ddl:
        QueryRun(pg_engine, "postgres", "\nCREATE TABLE (a int)").start()
    assert ddl.value.line == 2
    assert pg_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


@pytest.mark.pg
def test_postgres_ddl_and_dml_give_rowcount_and_commit(pg_engine: Engine) -> None:
    table = f"runner_{uuid.uuid4().hex[:8]}"
    with QueryRun(pg_engine, "postgres", f"CREATE TABLE {table} (a int)") as ddl:
        ddl.start()
        assert ddl.columns == [] and ddl.exhausted and ddl.fetch() == []
    with QueryRun(pg_engine, "postgres", f"INSERT INTO {table} VALUES (1), (2), (3);") as dml:
        dml.start()
        assert dml.columns == [] and dml.rowcount == 3
    with create_engine(pg_engine.url).connect() as other:
        assert other.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 3


@pytest.mark.pg
def test_postgres_dates_python_cannot_hold_arrive_as_text(pg_engine: Engine) -> None:
    rows = _run_all(
        pg_engine,
        "postgres",
        "SELECT '10000-01-01'::date, '0044-03-15 BC'::date, '1850-06-01'::date, "
        "'10000-01-01 12:00'::timestamp",
    )
    assert rows[0][0] == "10000-01-01" and rows[0][1] == "0044-03-15 BC"
    assert str(rows[0][2]) == "1850-06-01" and rows[0][3] == "10000-01-01 12:00:00"


def test_sqlite_ddl_dml_and_odd_values(sqlite_engine: Engine) -> None:
    with QueryRun(
        sqlite_engine, "sqlite", "CREATE TABLE t (id INTEGER, at DATETIME, b BLOB)"
    ) as ddl:
        ddl.start()
        assert ddl.columns == [] and ddl.exhausted
    with QueryRun(
        sqlite_engine,
        "sqlite",
        "INSERT INTO t VALUES (1, '9999-12-31 23:59:59', x'00ff'), (2, '10000-01-01', NULL)",
    ) as dml:
        dml.start()
        assert dml.rowcount == 2
    rows = _run_all(sqlite_engine, "sqlite", "SELECT id, at, b FROM t ORDER BY id")
    assert rows == [(1, "9999-12-31 23:59:59", b"\x00\xff"), (2, "10000-01-01", None)]


def test_sqlite_interrupt_from_another_thread(sqlite_engine: Engine) -> None:
    run = QueryRun(sqlite_engine, "sqlite", SQLITE_SPIN)
    canceller = _cancel_after(run, 0.3)
    started = time.perf_counter()
    with pytest.raises(QueryCancelled):
        run.start()
    assert time.perf_counter() - started < 10  # cancelled, not run for 30 s or minutes
    canceller.join()
    assert _run_all(sqlite_engine, "sqlite", "SELECT 1") == [(1,)]


def test_sqlite_error_position(sqlite_engine: Engine) -> None:
    with pytest.raises(SqlError) as info:
        QueryRun(sqlite_engine, "sqlite", "SELECT 1,\n  2\n  FORM x").start()
    assert (info.value.line, info.value.column) == (3, 8)


def test_empty_statement_is_refused(sqlite_engine: Engine) -> None:
    with pytest.raises(SqlError, match="empty"):
        QueryRun(sqlite_engine, "sqlite", " ;\n").start()


def test_mysql_cancel_and_unbuffered_close(mysql_engine: Engine) -> None:
    run = QueryRun(mysql_engine, "mysql", "SELECT SLEEP(30)")
    canceller = _cancel_after(run, 0.5)
    started = time.perf_counter()
    with pytest.raises(QueryCancelled):
        run.start()
    assert time.perf_counter() - started < 10  # cancelled, not run for 30 s or minutes
    canceller.join()
    big = QueryRun(
        mysql_engine,
        "mysql",
        "SELECT a.seq FROM seq_1_to_1000 a, seq_1_to_1000 b",
        fetch_size=100,
    )
    big.start()
    assert len(big.fetch()) == 100
    started = time.perf_counter()
    big.close()  # drops the stream instead of reading a million rows
    assert time.perf_counter() - started < 1
    assert _run_all(mysql_engine, "mysql", "SELECT 1") == [(1,)]


@pytest.mark.parametrize("name", ["select", "with spaces", 'quo"te'])
def test_sorted_sql_quotes_the_column(sqlite_engine: Engine, name: str) -> None:
    escaped = name.replace('"', '""')
    base = f'SELECT 2 AS "{escaped}" UNION ALL SELECT 10 UNION ALL SELECT 1;'
    sql = sorted_sql(base, name, True, "sqlite")
    assert sql.endswith(f'ORDER BY "{escaped}" DESC')
    assert _run_all(sqlite_engine, "sqlite", sql) == [(10,), (2,), (1,)]


@pytest.mark.pg
def test_sorted_sql_on_postgres(pg_engine: Engine) -> None:
    sql = sorted_sql(
        'SELECT n AS "select" FROM generate_series(1, 3) n -- note', "select", False, "postgres"
    )
    assert _run_all(pg_engine, "postgres", sql) == [(1,), (2,), (3,)]


def test_sorted_sql_mysql_uses_backticks() -> None:
    assert sorted_sql("SELECT 1 AS `a b`", "a b", False, "mysql").endswith("ORDER BY `a b`")


@pytest.mark.pg
def test_explain_postgres_and_sqlite(pg_engine: Engine, sqlite_engine: Engine) -> None:
    plan = explain(pg_engine, "postgres", "SELECT * FROM generate_series(1, 10) n WHERE n > 5")
    assert any("Function Scan" in line for line in plan)
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    lite = explain(sqlite_engine, "sqlite", "SELECT * FROM t WHERE id = 1")
    assert lite and "t" in lite[0] and "SEARCH" in lite[0].upper()
    with pytest.raises(SqlError) as info:
        explain(pg_engine, "postgres", "SELECT nope\nFROM generate_series(1, 2) n")
    assert info.value.line == 1 and info.value.column == 8


def test_explain_mysql_is_a_table(mysql_engine: Engine) -> None:
    lines = explain(mysql_engine, "mysql", "SELECT 1")
    assert lines[0].startswith("id") and len(lines) == 2


def test_oracle_explain_statements_are_sane() -> None:
    first, second = explain_statements("oracle", "SELECT a FROM t;", "DMS1")
    assert first == "EXPLAIN PLAN SET STATEMENT_ID = 'DMS1' FOR SELECT a FROM t"
    parsed = sqlglot.parse_one(second, read="oracle")
    assert "DBMS_XPLAN.DISPLAY" in parsed.sql("oracle").upper()
