"""Failure semantics: killed, cancelled, bad rows, stale plans, staging left behind.

The kill tests run the load in a child process and SIGKILL it at a moment chosen
deterministically in the middle of the merge: on PostgreSQL the test holds a row lock that
the "close changed versions" step needs (so that step waits while "update in place" has
already run in the same transaction); on SQLite the child's md5 function (registered on the
target connection) blocks at its first call of the insert step. Then the target must be
exactly as before, its staging gone, and the next run must succeed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from dms_desktop.core.engine.plan import stored_plan
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.metadata.tables import dms_joberr, dms_jobflw, dms_joblog, dms_prclog
from dms_desktop.core.tasks import TaskState
from tests.engine_fixtures import (
    ADMIN_PASSWORD,
    CUSTOMER_COLUMNS,
    TARGETS,
    EngineEnv,
    col,
    customer_columns,
    customer_source,
    engine_env,
    key,
)

ROOT = Path(__file__).resolve().parents[2]
R1 = ("C1", "Ada", "London", Decimal("10.50"), date(2020, 1, 1), None)
R2 = ("C2", "Bob", "Paris", Decimal("3"), None, None)
R9 = ("C9", "Ivy", "Lima", None, None, None)


@pytest.fixture(params=TARGETS)
def env(request: pytest.FixtureRequest, tmp_path: Path, dms_home: Path) -> Iterator[EngineEnv]:
    pg = request.getfixturevalue("pg_database") if request.param == "postgresql" else None
    with engine_env(request.param, tmp_path / "eng", pg) as e:
        yield e


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def steps_done(env: EngineEnv, ref: str) -> list[str]:
    with env.ws.engine.connect() as conn:
        return list(
            conn.execute(
                select(dms_joblog.c.stepnm)
                .join(dms_prclog, dms_prclog.c.prclogid == dms_joblog.c.prclogid)
                .where(dms_prclog.c.mapref == ref, dms_prclog.c.status == "RUNNING")
                .order_by(dms_joblog.c.stepseq)
            ).scalars()
        )


# --- killed in the middle of the merge ---------------------------------------------------

CHILD = """
import sys, time
from pathlib import Path

home, ref, block_after, marker, password = sys.argv[1:6]
if int(block_after) >= 0:  # SQLite: the target's md5 blocks at call block_after + 1
    from dms_desktop.core.engine import hashing

    real, calls = hashing.sqlite_md5, [0]

    def blocking_md5(value):
        calls[0] += 1
        if calls[0] > int(block_after):
            Path(marker).touch()
            time.sleep(3600)
        return real(value)

    hashing.sqlite_md5 = blocking_md5

from dms_desktop.core.engine.run import run_mapping
from dms_desktop.core.security.auth import AuthService
from dms_desktop.core.settings import load_settings
from dms_desktop.core.workspace import open_workspace

ws = open_workspace(load_settings({"DMS_HOME": home}))
result = run_mapping(ws, AuthService(ws).login("admin", password), ref)
print(result.status, result.message)
"""


def start_child(
    env: EngineEnv, tmp_path: Path, ref: str, block_after: int
) -> subprocess.Popen[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    home = str(tmp_path / "eng" / "home")  # where engine_env put the workspace
    return subprocess.Popen(
        [
            sys.executable,
            str(script),
            home,
            ref,
            str(block_after),
            str(tmp_path / "blocked"),
            ADMIN_PASSWORD,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def temp_stages(env: EngineEnv) -> list[str]:
    """Staging tables visible anywhere on the target (PostgreSQL: every session's temp)."""
    if env.kind == "postgresql":
        return [
            r[0]
            for r in env.target_sql("SELECT relname FROM pg_class WHERE relname LIKE 'dms_st%'")
        ]
    return [
        r[0] for r in env.target_sql("SELECT name FROM sqlite_master WHERE name LIKE 'dms_st%'")
    ]


def test_killed_run_leaves_the_target_as_it_was(env: EngineEnv, tmp_path: Path) -> None:
    customer_source(env)
    env.mapping(
        "DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns(), on_source_delete="CLOSE"
    )
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2, R9])
    assert env.run("DIM_CUSTOMER").ok
    before = env.rows("dim_customer")
    # C1: type 1 change (update in place); C9: type 2 change (close + insert); C2 gone; C4 new.
    c1 = ("C1", "Ada Lovelace", *R1[2:])
    c9 = ("C9", "Ivy", "Quito", None, None, None)
    env.replace_rows(
        "customer", CUSTOMER_COLUMNS, [c1, c9, ("C4", "Dee", "Oslo", None, None, None)]
    )

    locker = None
    if env.kind == "postgresql":
        locker = env.target_engine.connect()
        locker.begin()
        locker.execute(
            text(f"SELECT * FROM {env.t('dim_customer')} WHERE customer_code = 'C9' FOR UPDATE")
        )
    child = start_child(env, tmp_path, "DIM_CUSTOMER", -1 if locker is not None else 1)
    try:
        if locker is not None:
            blocked = wait_for(
                lambda: env.target_sql(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = 'dms-desktop' "
                    "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE%'"
                ),
                "the merge to wait for the row lock",
            )
            pid = blocked[0][0]
        else:
            wait_for(lambda: (tmp_path / "blocked").exists(), "the insert step to start")
        assert {"extract and stage", "update in place"} <= set(steps_done(env, "DIM_CUSTOMER"))
        # A reader meanwhile sees the old state.
        assert env.rows("dim_customer") == before
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if locker is not None:
            locker.rollback()
            locker.close()
    if env.kind == "postgresql":
        wait_for(
            lambda: not env.target_sql("SELECT 1 FROM pg_stat_activity WHERE pid = :p", {"p": pid}),
            "the killed run's session to end",
        )
    assert env.rows("dim_customer") == before
    assert temp_stages(env) == []
    with env.ws.engine.connect() as conn:
        status = conn.execute(
            select(dms_prclog.c.status).order_by(dms_prclog.c.prclogid.desc())
        ).scalar()
    assert status == "RUNNING"  # the killed process could not say more (the reaper will)

    later = env.run("DIM_CUSTOMER")
    assert later.ok, later.message
    c = later.counts
    assert (c.inserted, c.updated, c.expired, c.deleted) == (2, 1, 1, 1)
    assert temp_stages(env) == []


# --- cancelled -----------------------------------------------------------------------------


def big_source(env: EngineEnv, rows: int) -> None:
    """``rows`` customers made by the source database itself."""
    if env.kind == "postgresql":
        env.source_sql(
            f"CREATE TABLE {env.s('customer')} AS SELECT 'C' || n AS code, 'name ' || n AS name, "
            "'city ' || (n % 100) AS city, (n % 1000)::numeric(12,2) AS amount, "
            "DATE '2020-01-01' + (n % 365) AS since, NULL::timestamp AS seen "
            f"FROM generate_series(1, {rows}) n"
        )
    else:
        env.source_sql(
            f"CREATE TABLE customer AS WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL "
            f"SELECT n + 1 FROM s WHERE n < {rows}) SELECT 'C' || n AS code, 'name ' || n AS name,"
            " 'city ' || (n % 100) AS city, n % 1000 AS amount, "
            "date('2020-01-01', '+' || (n % 365) || ' days') AS since, NULL AS seen FROM s"
        )
    env.query(
        "SQL_CUSTOMER", f"SELECT code, name, city, amount, since, seen FROM {env.s('customer')}"
    )


def test_cancelled_run_leaves_the_target_as_it_was(env: EngineEnv) -> None:
    rows = 120_000 if env.kind == "postgresql" else 20_000  # COPY reports every 50,000 rows
    big_source(env, rows)
    env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns(), bulk_rows=1000)
    staged, cancelled = threading.Event(), threading.Event()

    def on_progress(_fraction: float, message: str) -> None:
        if message.endswith("rows staged") and not staged.is_set():
            staged.set()
            assert cancelled.wait(10), "the canceller did not cancel"

    state = TaskState(on_progress)

    def canceller() -> None:
        staged.wait(60)
        state.cancel()
        cancelled.set()

    thread = threading.Thread(target=canceller)
    thread.start()
    try:
        result = env.run("DIM_CUSTOMER", state)
    finally:
        staged.set()
        thread.join()
    assert result.status == "CANCELLED", result.message
    assert "unchanged" in (result.message or "")
    assert not env.has_table("dim_customer")  # even the table creation was undone
    assert temp_stages(env) == []
    with env.ws.engine.connect() as conn:
        log = conn.execute(select(dms_prclog).where(dms_prclog.c.prclogid == result.prclogid)).one()
    assert log.status == "CANCELLED" and log.enddt is not None
    assert env.run("DIM_CUSTOMER").counts.inserted == rows


# --- bad rows --------------------------------------------------------------------------------

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


# --- stale plans, staging --------------------------------------------------------------------


def test_changed_mapping_is_recompiled(env: EngineEnv) -> None:
    customer_source(env)
    first = env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2])
    assert env.run("DIM_CUSTOMER").ok
    assert env.run("DIM_CUSTOMER").ok  # same mapping: the plan is kept

    changed = MappingService(env.ws, env.admin).get("DIM_CUSTOMER")
    changed.columns[1].logic = "upper(name)"
    second = MappingService(env.ws, env.admin).save(changed)
    assert second.mapid != first.mapid
    result = env.run("DIM_CUSTOMER")
    assert result.ok and result.counts.updated == 2, result.message
    assert sorted(r["name"] for r in env.rows("dim_customer")) == ["ADA", "BOB"]
    with env.ws.engine.connect() as conn:
        plans = conn.execute(
            select(dms_jobflw.c.mapid, dms_jobflw.c.curflg, dms_jobflw.c.dwlogic)
            .where(dms_jobflw.c.mapref == "DIM_CUSTOMER")
            .order_by(dms_jobflw.c.jobflwid)
        ).all()
    assert [(p.mapid, p.curflg) for p in plans] == [(first.mapid, "N"), (second.mapid, "Y")]
    assert "upper" in plans[1].dwlogic.lower() and "upper" not in plans[0].dwlogic.lower()
    shown = stored_plan(env.ws, env.admin, "DIM_CUSTOMER")
    assert shown.mapid == second.mapid and shown.version == second.version
    assert any(name == "insert new keys and versions" for name, _sql in shown.steps)


def test_a_failed_run_leaves_no_staging_and_the_next_run_succeeds(env: EngineEnv) -> None:
    customer_source(env)
    env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R1])
    failed = env.run("DIM_CUSTOMER")
    assert failed.status == "FAILED" and "C1" in (failed.message or "")
    assert temp_stages(env) == [] and not env.has_table("dim_customer")
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1])
    assert env.run("DIM_CUSTOMER").counts.inserted == 1


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


def test_cancel_during_the_merge_stops_the_statement(
    env: EngineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cancel reaches the database (PostgreSQL cancel, SQLite interrupt) mid-statement."""
    customer_source(env)
    env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2, R9])
    assert env.run("DIM_CUSTOMER").ok
    before = env.rows("dim_customer")
    c9 = ("C9", "Ivy", "Quito", None, None, None)
    many = [(f"N{n}", "new", "x", None, None, None) for n in range(3000)]
    env.replace_rows("customer", CUSTOMER_COLUMNS, [("C1", "Ada L.", *R1[2:]), R2, c9, *many])
    in_merge = threading.Event()
    locker = None
    if env.kind == "postgresql":  # "close changed versions" waits for this row lock
        locker = env.target_engine.connect()
        locker.begin()
        locker.execute(
            text(f"SELECT * FROM {env.t('dim_customer')} WHERE customer_code = 'C9' FOR UPDATE")
        )
    else:  # the target's md5 is slow: the insert step runs for seconds
        from dms_desktop.core.engine import hashing

        real = hashing.sqlite_md5

        def slow_md5(value: str | None) -> str | None:
            in_merge.set()
            time.sleep(0.002)
            return real(value)

        monkeypatch.setattr(hashing, "sqlite_md5", slow_md5)
        env.dispose_engines()  # registered when a connection opens
    state = TaskState()
    outcome: list[Any] = []
    worker = threading.Thread(target=lambda: outcome.append(env.run("DIM_CUSTOMER", state)))
    worker.start()
    try:
        if locker is not None:
            wait_for(
                lambda: env.target_sql(
                    "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = 'dms-desktop' "
                    "AND wait_event_type = 'Lock'"
                ),
                "the merge to wait for the row lock",
            )
        else:
            assert in_merge.wait(30)
        started = time.monotonic()
        state.cancel()
        worker.join(30)
        assert not worker.is_alive()
        assert time.monotonic() - started < 3  # stopped, not run to its end
    finally:
        if locker is not None:
            locker.rollback()
            locker.close()
        worker.join()
    [result] = outcome
    assert result.status == "CANCELLED", result.message
    assert env.rows("dim_customer") == before
    assert temp_stages(env) == []
