"""RWHKEY: one canonical text, the same hash in Python, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    event,
    select,
)
from sqlalchemy.dialects import oracle
from sqlalchemy.engine import URL

from dms_desktop.core.engine.hashing import (
    canonical_sql,
    canonical_text,
    row_hash,
    row_hash_sql,
    sqlite_md5,
)

CATEGORIES = ["text", "number", "number", "float", "date", "timestamp", "boolean"]
ROWS = [
    ("a|b\\c", Decimal("182.90"), 5, 0.1 + 0.2, date(2024, 2, 29), datetime(2024, 1, 1, 10), True),
    (
        None,
        Decimal("0.50"),
        -3,
        100.0,
        date(1899, 12, 31),
        datetime(2024, 1, 1, 10, 0, 0, 500000),
        False,
    ),
    ("\\N", Decimal("1000"), 0, None, None, None, None),
    (
        "é ü 𝄞",
        Decimal("-0.010"),
        123456789012,
        1e-7,
        date(9999, 12, 31),
        datetime(1900, 1, 1, 0, 0, 0, 1),
        True,
    ),
]
md = MetaData()
T = Table(
    "hash_probe",
    md,
    Column("id", Integer, primary_key=True),
    Column("a", String(50)),
    Column("b", Numeric(12, 3)),
    Column("i", BigInteger),
    Column("f", Float),
    Column("d", Date),
    Column("ts", DateTime),
    Column("bo", Boolean),
)
COLS = [T.c.a, T.c.b, T.c.i, T.c.f, T.c.d, T.c.ts, T.c.bo]


def test_canonical_text_rules() -> None:
    assert canonical_text(ROWS[0], CATEGORIES) == (
        "a\\|b\\\\c|182.9|5|0.3|2024-02-29|2024-01-01 10:00:00|1"
    )
    assert canonical_text(ROWS[2], CATEGORIES) == "\\\\N|1000|0|\\N|\\N|\\N|\\N"
    # NULL position matters: (a, NULL, b) and (a, b, NULL) differ
    assert row_hash(["a", None, "b"], ["text"] * 3) != row_hash(["a", "b", None], ["text"] * 3)
    assert len(row_hash(ROWS[1], CATEGORIES)) == 32


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_database_hash_equals_python_hash(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "sqlite":
        engine = create_engine("sqlite://")

        @event.listens_for(engine, "connect")
        def _md5(dbapi_conn, _rec):  # type: ignore[no-untyped-def]
            dbapi_conn.create_function("dms_md5", 1, sqlite_md5, deterministic=True)
    else:
        url: URL = request.getfixturevalue("pg_database")
        engine = create_engine(url)
    md.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(
                T.insert(),
                [
                    dict(zip(("id", "a", "b", "i", "f", "d", "ts", "bo"), (n, *row), strict=True))
                    for n, row in enumerate(ROWS)
                ],
            )
            texts = (
                conn.execute(select(canonical_sql(COLS, CATEGORIES, backend)).order_by(T.c.id))
                .scalars()
                .all()
            )
            hashes = (
                conn.execute(select(row_hash_sql(COLS, CATEGORIES, backend)).order_by(T.c.id))
                .scalars()
                .all()
            )
    finally:
        md.drop_all(engine)
        engine.dispose()
    assert texts == [canonical_text(r, CATEGORIES) for r in ROWS]
    assert hashes == [row_hash(r, CATEGORIES) for r in ROWS]


def test_oracle_hash_sql_compiles() -> None:
    sql = str(
        select(row_hash_sql(COLS, CATEGORIES, "oracle")).compile(
            dialect=oracle.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    assert "STANDARD_HASH" in sql.upper() and "'FF6'" in sql
