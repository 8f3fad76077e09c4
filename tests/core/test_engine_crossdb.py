"""Every transfer path, and the same rows giving the same hashes whichever database holds them.

Paths: MariaDB → PostgreSQL (server-side cursor + COPY), MariaDB → SQLite (executemany),
SQLite → PostgreSQL, PostgreSQL → SQLite, and the no-transfer path (source SQL on the target
connection: INSERT … SELECT) on SQLite and PostgreSQL. The PostgreSQL → PostgreSQL pipe is
what the semantics tests use.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from dms_desktop.core.engine.hashing import canonical_value, row_hash
from dms_desktop.core.engine.target import END_OF_TIME
from tests.engine_fixtures import (
    CUSTOMER_ATTRS,
    CUSTOMER_CATEGORIES,
    CUSTOMER_COLUMNS,
    EngineEnv,
    FakeClock,
    customer_columns,
    customer_source,
    engine_env,
)

MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/"
ROWS = [
    ("C1", "Ada|\\N", "London", Decimal("182.90"), date(2020, 2, 29), datetime(2024, 1, 1, 10)),
    ("C2", "é ü 𝄞", None, Decimal("-0.01"), date(1899, 12, 31), datetime(2024, 1, 1, 0, 0, 0, 5)),
    ("C3", None, "Paris", None, None, None),
    ("C4", "", "Oslo", Decimal("1000"), date(9999, 12, 30), datetime(1999, 12, 31, 23, 59, 59)),
]
T0 = datetime(2025, 5, 1, 12, 0, 0, 250000)


@pytest.fixture
def mariadb() -> Iterator[URL]:
    """A fresh MariaDB database for this test, dropped after."""
    admin = create_engine(MYSQL_URL, isolation_level="AUTOCOMMIT")
    name = f"dms_eng_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        admin.dispose()
        pytest.skip(f"MariaDB unreachable: {exc}")
    try:
        yield make_url(MYSQL_URL).set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(T0)
    monkeypatch.setattr("dms_desktop.core.clock.utcnow", fake)
    return fake


def load_and_check(env: EngineEnv, clock: FakeClock) -> dict[str, str]:
    """Two SCD2 runs; checks values, versions and hashes; returns key -> current RWHKEY."""
    customer_source(env)
    env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
    env.replace_rows("customer", CUSTOMER_COLUMNS, ROWS)
    first = env.run("DIM_CUSTOMER")
    assert first.ok, first.message
    assert (first.counts.read, first.counts.inserted) == (4, 4)
    moved = ("C1", *ROWS[0][1:2], "Berlin", *ROWS[0][3:])
    env.replace_rows("customer", CUSTOMER_COLUMNS, [moved, *ROWS[1:]])
    t1 = clock.tick(days=1)
    second = env.run("DIM_CUSTOMER")
    assert second.ok, second.message
    assert (second.counts.inserted, second.counts.expired, second.counts.updated) == (1, 1, 0)
    rows = env.rows("dim_customer", "customer_code, skey")
    expected = {r[0]: r for r in [moved, *ROWS[1:]]}
    current = {}
    for row in rows:
        values = tuple(row[a] for a in CUSTOMER_ATTRS)
        assert row["rwhkey"] == row_hash(values, CUSTOMER_CATEGORIES), row
        if row["curflg"] == "N":
            assert (row["customer_code"], row["city"], row["todt"]) == ("C1", "London", t1)
            continue
        source = expected[row["customer_code"]]
        assert [
            canonical_value(v, c) for v, c in zip(values, CUSTOMER_CATEGORIES, strict=True)
        ] == [
            canonical_value(v, c) for v, c in zip(source[1:], CUSTOMER_CATEGORIES, strict=True)
        ], row
        assert row["todt"] == END_OF_TIME
        # The Python reference hash of the SOURCE values: the same in every database.
        assert row["rwhkey"] == row_hash(source[1:], CUSTOMER_CATEGORIES)
        current[row["customer_code"]] = row["rwhkey"]
    assert sorted(current) == ["C1", "C2", "C3", "C4"]
    return current


def test_mariadb_source_into_postgresql_and_sqlite(
    mariadb: URL, pg_database: URL, tmp_path: Path, dms_home: Path, clock: FakeClock
) -> None:
    hashes: dict[str, dict[str, str]] = {}
    for kind in ("postgresql", "sqlite"):
        with engine_env(
            kind, tmp_path / kind, pg_database, source="mysql", mysql_url=mariadb
        ) as env:
            hashes[kind] = load_and_check(env, clock)
            if kind == "postgresql":  # the source query ran on MariaDB, in its dialect
                with env.ws.engine.connect() as conn:
                    sql = conn.execute(
                        text("SELECT dwlogic FROM dms_jobflw WHERE curflg = 'Y'")
                    ).scalar_one()
                assert "`code`" in sql
            env.source_sql("DROP TABLE customer")
    assert hashes["postgresql"] == hashes["sqlite"]


@pytest.mark.parametrize(
    ("target", "source"),
    [
        ("postgresql", "sqlite"),
        ("sqlite", "postgresql"),
        ("postgresql", "same"),
        ("sqlite", "same"),
    ],
)
def test_transfer_paths(
    target: str,
    source: str,
    pg_database: URL,
    tmp_path: Path,
    dms_home: Path,
    clock: FakeClock,
) -> None:
    with engine_env(target, tmp_path / "eng", pg_database, source=source) as env:
        load_and_check(env, clock)
        if source == "same":
            steps, plan = _steps(env), _plan(env)
            if target == "postgresql":  # one plain table read: merged from a view, no stage
                assert steps["read the source in place and check rows"] == 4
                assert "extract and stage" not in steps
                assert "CREATE TEMPORARY VIEW dms_source" in plan
            else:
                assert steps["extract and stage"] == 4
                assert "in the target database" in plan


@pytest.mark.parametrize(
    ("target", "source"),
    [
        ("sqlite", "postgresql"),  # fetched in chunks through psycopg2
        ("postgresql", "mysql"),  # fetched in chunks through PyMySQL
        ("postgresql", None),  # the COPY pipe
        ("postgresql", "same"),  # read in place
        ("sqlite", "same"),
    ],
)
def test_percent_signs_and_colons_in_the_source_sql_are_text(
    target: str,
    source: str | None,
    mariadb: URL,
    pg_database: URL,
    tmp_path: Path,
    dms_home: Path,
) -> None:
    """LIKE 'C%', modulo and ':x' are plain SQL: never taken for a driver's %s placeholder or
    for a bind parameter."""
    with engine_env(target, tmp_path / "eng", pg_database, source=source, mysql_url=mariadb) as env:
        customer_source(env)
        rows = [
            ("C1", "Ada", "London", 1, None, None),
            ("C2", "Bob:x", "Paris", 2, None, None),
            ("X3", "Cy", "Oslo", 3, None, None),
        ]
        env.replace_rows("customer", CUSTOMER_COLUMNS, rows)
        env.query(
            "SQL_PERCENT",
            "SELECT code, name, city, amount % 10 AS amount, since, seen "
            f"FROM {env.s('customer')} WHERE code LIKE 'C%' AND name NOT LIKE '%:x'",
            on_target=env.source == env.target,
        )
        env.mapping("DIM_PERCENT", "DIMENSION", "SQL_PERCENT", customer_columns())
        result = env.run("DIM_PERCENT")
        assert result.ok and result.counts.inserted == 1, result.message
        if env.source_kind == "mysql":
            env.source_sql("DROP TABLE customer")


def _steps(env: EngineEnv) -> dict[str, Any]:
    with env.ws.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT stepnm, rowcnt FROM dms_joblog WHERE prclogid = "
                "(SELECT max(prclogid) FROM dms_prclog)"
            )
        ).all()
    return {r.stepnm: r.rowcnt for r in rows}


def _plan(env: EngineEnv) -> str:
    with env.ws.engine.connect() as conn:
        return str(
            conn.execute(text("SELECT dwlogic FROM dms_jobflw WHERE curflg = 'Y'")).scalar_one()
        )
