"""Failure semantics: killed, cancelled, failed; the target as it was, no staging left behind.

The kill tests run the load in a child process and SIGKILL it at a moment chosen
deterministically in the middle of the merge: on PostgreSQL the test holds a row lock that
the "close changed versions" step needs (so that step waits while "update in place" has
already run in the same transaction); on SQLite the child's md5 function (registered on the
target connection) blocks at its first call of the insert step. Then the target must be
exactly as before, its staging gone, and the next run must succeed. Bad rows and stale
plans have their own modules (test_engine_bad_rows, test_engine_plan).
"""

from __future__ import annotations

import os
import signal
import sqlite3
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

from dms_desktop.core.metadata.tables import dms_joblog, dms_prclog
from dms_desktop.core.tasks import TaskState
from tests.engine_fixtures import (
    ADMIN_PASSWORD,
    CUSTOMER_COLUMNS,
    TARGETS,
    EngineEnv,
    customer_columns,
    customer_source,
    engine_env,
    target_env,
)

ROOT = Path(__file__).resolve().parents[2]
R1 = ("C1", "Ada", "London", Decimal("10.50"), date(2020, 1, 1), None)
R2 = ("C2", "Bob", "Paris", Decimal("3"), None, None)
R9 = ("C9", "Ivy", "Lima", None, None, None)


@pytest.fixture(params=TARGETS)
def env(request: pytest.FixtureRequest, tmp_path: Path, dms_home: Path) -> Iterator[EngineEnv]:
    with target_env(request, tmp_path / "eng") as e:
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
        done = set(steps_done(env, "DIM_CUSTOMER"))
        assert "update in place" in done and {"extract and stage", READ_IN_PLACE} & done
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


READ_IN_PLACE = "read the source in place and check rows"  # the step of a source view

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
        reading = message.endswith("rows staged") or message == READ_IN_PLACE
        if reading and not staged.is_set():
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


# --- staging --------------------------------------------------------------------------------


def test_a_failed_run_leaves_no_staging_and_the_next_run_succeeds(env: EngineEnv) -> None:
    customer_source(env)
    env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R1])
    failed = env.run("DIM_CUSTOMER")
    assert failed.status == "FAILED" and "C1" in (failed.message or "")
    assert temp_stages(env) == [] and not env.has_table("dim_customer")
    env.replace_rows("customer", CUSTOMER_COLUMNS, [R1])
    assert env.run("DIM_CUSTOMER").counts.inserted == 1


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


# --- one SQLite warehouse, several loads -----------------------------------------------------


def test_a_sqlite_load_waits_for_the_write_lock(tmp_path: Path, dms_home: Path) -> None:
    """A load into a SQLite file that another writer holds waits its turn (BEGIN IMMEDIATE),
    then loads; a cancel while it waits ends it within about a second."""
    with engine_env("sqlite", tmp_path / "eng", None) as env:
        customer_source(env)
        env.mapping("DIM_CUSTOMER", "DIMENSION", "SQL_CUSTOMER", customer_columns())
        env.replace_rows("customer", CUSTOMER_COLUMNS, [R1, R2])
        assert env.target.database is not None
        holder = sqlite3.connect(env.target.database, isolation_level=None)
        try:
            for cancel in (False, True):
                holder.execute("BEGIN IMMEDIATE")  # another writer holds the file
                state = TaskState()
                outcome: list[Any] = []
                worker = threading.Thread(
                    target=lambda s=state, out=outcome: out.append(env.run("DIM_CUSTOMER", s))
                )
                worker.start()
                wait_for(lambda s=state: s.text.startswith("Waiting"), "the load to wait")
                started = time.monotonic()
                if cancel:
                    state.cancel()
                else:
                    holder.execute("COMMIT")
                worker.join(30)
                assert not worker.is_alive()
                assert time.monotonic() - started < 3
                [result] = outcome
                if cancel:
                    holder.execute("ROLLBACK")
                    assert result.status == "CANCELLED", result.message
                else:
                    assert result.ok, result.message
                    assert result.counts.inserted == 2
        finally:
            holder.close()
        assert len(env.rows("dim_customer")) == 2
