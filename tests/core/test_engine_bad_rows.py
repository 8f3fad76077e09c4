"""Bad rows: NULL keys, too long, out of range, unparseable (SQLite), unconvertible (PostgreSQL).

With the error threshold at 0 (the default) one bad row fails the run and nothing loads; with
N, up to N bad rows go to DMS_JOBERR (key, column, value, reason) and the rest loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dms_desktop.core.metadata.tables import dms_joberr
from tests.engine_fixtures import TARGETS, EngineEnv, col, key, target_env


@pytest.fixture(params=TARGETS)
def env(request: pytest.FixtureRequest, tmp_path: Path, dms_home: Path) -> Iterator[EngineEnv]:
    with target_env(request, tmp_path / "eng") as e:
        yield e


RAW_DDL = {
    "sqlite": "CREATE TABLE raw (code TEXT, name TEXT, amount NUMERIC, qty INTEGER, since TEXT)",
    "postgresql": "CREATE TABLE {t} (code text, name text, amount numeric, qty bigint, since date)",
}
GOOD = [("A", "ok", Decimal("1.5"), 1, "2020-01-01"), ("B", "fine", None, None, None)]
BAD = [
    (None, "nokey", None, None, None),  # NULL key
    ("L", "much too long", None, None, None),  # VARCHAR(5)
    ("N", "num", Decimal("1000.00"), None, None),  # NUMERIC(5,2)
]
BAD_PG = [("Q", "qty", None, 3_000_000_000, None)]  # INTEGER (64 bits on SQLite: fits there)
BAD_SQLITE = [  # SQLite stores anything anywhere: the checks refuse what a type would
    ("D", "date", None, None, "31/12/2020"),
    ("W", "word", None, "many", None),
]
REASONS = {
    None: "key is NULL",
    "L": "too long",
    "N": "out of range",
    "Q": "out of range",
    "D": "not a date",
    "W": "not a whole number",
}


def raw_mapping(env: EngineEnv, threshold: int | None) -> None:
    env.source_sql(RAW_DDL[env.kind].format(t=env.s("raw")))
    env.query("SQL_RAW", f"SELECT code, name, amount, qty, since FROM {env.s('raw')}")
    env.mapping(
        "FCT_RAW",
        "FACT",
        "SQL_RAW",
        [
            key("CODE", "VARCHAR(10)"),
            col("NAME", "VARCHAR(5)"),
            col("AMOUNT", "NUMERIC(5,2)"),
            col("QTY", "INTEGER"),
            col("SINCE", "DATE"),
        ],
        error_threshold=threshold,
    )


def raw_rows(env: EngineEnv, rows: list[tuple[Any, ...]]) -> None:
    if env.kind == "postgresql":
        rows = [(*r[:4], date.fromisoformat(r[4]) if r[4] else None) for r in rows]
    env.replace_rows("raw", ("code", "name", "amount", "qty", "since"), rows)


def bad_rows(env: EngineEnv) -> list[tuple[Any, ...]]:
    return BAD + (BAD_SQLITE if env.kind == "sqlite" else BAD_PG)


def test_bad_row_at_threshold_zero_loads_nothing(env: EngineEnv) -> None:
    raw_mapping(env, None)  # the default threshold: 0
    raw_rows(env, GOOD)
    assert env.run("FCT_RAW").counts.inserted == 2
    before = env.rows("fct_raw")
    for bad in bad_rows(env):
        raw_rows(env, [*GOOD, ("C", "new", None, None, None), bad])
        result = env.run("FCT_RAW")
        assert result.status == "FAILED", bad
        assert "1 bad row" in (result.message or "") and REASONS[bad[0]] in (result.message or "")
        assert "threshold is 0" in (result.message or "")
        assert env.rows("fct_raw") == before


def test_bad_rows_within_the_threshold_are_logged_and_the_rest_loads(env: EngineEnv) -> None:
    bad = bad_rows(env)
    raw_mapping(env, len(bad))
    raw_rows(env, [*GOOD, *bad])
    result = env.run("FCT_RAW")
    assert result.ok, result.message
    assert (result.counts.read, result.counts.rejected, result.counts.inserted) == (
        2 + len(bad),
        len(bad),
        2,
    )
    assert sorted(r["code"] for r in env.rows("fct_raw")) == ["A", "B"]
    with env.ws.engine.connect() as conn:
        errors = conn.execute(
            select(
                dms_joberr.c.errtyp, dms_joberr.c.errkey, dms_joberr.c.errcol, dms_joberr.c.errmsg
            ).where(dms_joberr.c.prclogid == result.prclogid)
        ).all()
    assert len(errors) == len(bad)
    found = {e.errkey: (e.errcol, e.errmsg) for e in errors}
    assert found[""][0] == "code" and "key is NULL" in found[""][1]
    assert found["L"][0] == "name" and "'much too long'" in found["L"][1]
    assert found["N"][0] == "amount" and "out of range" in found["N"][1]
    for code, (column, message) in found.items():
        assert REASONS[code or None] in message, (code, column, message)
    if env.kind == "sqlite":
        assert (found["D"][0], found["W"][0]) == ("since", "qty")
    else:
        assert found["Q"][0] == "qty"
    assert {e.errtyp for e in errors} == {"REJECTED"}

    # One more bad row than the threshold: the run fails and loads nothing.
    raw_rows(
        env, [*GOOD, ("C", "new", None, None, None), *bad, ("LL", "far too long", None, None, None)]
    )
    before = env.rows("fct_raw")
    failed = env.run("FCT_RAW")
    assert failed.status == "FAILED" and f"{len(bad) + 1} bad rows" in (failed.message or "")
    assert env.rows("fct_raw") == before


def test_a_value_the_target_cannot_convert_fails_with_the_reason(env: EngineEnv) -> None:
    raw_mapping(env, 5)
    env.mapping(
        "FCT_DATES",
        "FACT",
        "SQL_RAW",
        [key("CODE", "VARCHAR(10)"), col("SINCE", "DATE", "name")],
        error_threshold=5,
    )
    raw_rows(env, [("A", "31/12/2020", None, None, None)])
    result = env.run("FCT_DATES")
    if env.kind == "postgresql":  # COPY refuses the whole transfer, with the database's words
        assert result.status == "FAILED"
        assert "date" in (result.message or "").lower(), result.message
        assert "31/12/2020" in (result.message or ""), result.message
        assert not env.has_table("fct_dates")
    else:  # SQLite: a checked bad row, within the threshold
        assert result.ok and (result.counts.rejected, result.counts.inserted) == (1, 0)


def test_length_counts_characters_not_bytes(env: EngineEnv) -> None:
    """VARCHAR(5) holds five characters, whatever their bytes (here two each in UTF-8)."""
    raw_mapping(env, 1)
    raw_rows(env, [("M", "ééééé", None, None, None), ("X", "éééééé", None, None, None)])
    result = env.run("FCT_RAW")
    assert result.ok, result.message
    assert (result.counts.inserted, result.counts.rejected) == (1, 1)
    assert [(r["code"], r["name"]) for r in env.rows("fct_raw")] == [("M", "ééééé")]
    with env.ws.engine.connect() as conn:
        (key,) = conn.execute(
            select(dms_joberr.c.errkey).where(dms_joberr.c.prclogid == result.prclogid)
        ).scalars()
    assert key == "X"
