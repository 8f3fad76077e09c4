"""Scheduler reliability (issue 6 acceptance): real processes on one metadata database,
killed, stopped and cut off from it; every test counts what ran.

Services run as subprocesses (``tests/scheduler_worker.py``) so a failure is the process's
own: SIGKILL, SIGSTOP, terminated PostgreSQL backends. A service's scheduler clock is injected
(a file the test advances); leases use real time, kept short (2-3 s) so the reaper acts fast.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, event, func, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from dms_desktop.core.clock import utcnow
from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.jobs import frequency, queue
from dms_desktop.core.jobs.service import JobService, ScheduleSpec
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.metadata.tables import dms_joblog, dms_jobsch, dms_prclog, dms_prcreq
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions
from dms_desktop.core.scheduler.trigger import RuleTrigger
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace, open_workspace
from tests.engine_fixtures import pg_connection
from tests.scheduler_fixtures import break_mapping, staging_mappings

pytestmark = pytest.mark.slow  # minutes: `make test-all`

WORKER = Path(__file__).resolve().parents[1] / "scheduler_worker.py"
START = datetime(2026, 1, 1)  # injected time: in the past, so leases (real time) never wait


# --- processes -----------------------------------------------------------------------------


@dataclass
class Proc:
    popen: subprocess.Popen[bytes]
    out: Path
    err: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        tail = self.err.read_text(errors="replace")[-3000:] if self.err.exists() else ""
        return f"stdout: {self.out.read_text(errors='replace')}\nstderr: {tail}"

    def wait_for(self, word: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text_ = self.out.read_text(errors="replace")
            if word in text_:
                return text_
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"worker {self.pid} never said {word!r}\n{self.output()}")

    def signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def stop(self, timeout: float = 30) -> int:
        """Graceful stop (SIGTERM), as systemd would."""
        if self.popen.poll() is None:
            self.signal(signal.SIGTERM)
        return self.popen.wait(timeout)


Spawn = Callable[..., Proc]


def _env(ws: Workspace) -> dict[str, str]:
    env = dict(os.environ)
    env["DMS_METADATA_URL"] = ws.settings.sqlalchemy_url().render_as_string(hide_password=False)
    env.pop("DMS_SCHEMA", None)
    if ws.settings.dms_schema:
        env["DMS_SCHEMA"] = ws.settings.dms_schema
    return env


@pytest.fixture
def spawn(workspace: Workspace, tmp_path: Path) -> Iterator[Spawn]:
    procs: list[Proc] = []

    def start(*args: str, ready: bool = True) -> Proc:
        n = len(procs)
        out, err = tmp_path / f"worker{n}.out", tmp_path / f"worker{n}.err"
        with out.open("wb") as o, err.open("wb") as e:
            popen = subprocess.Popen(
                [sys.executable, str(WORKER), *args], env=_env(workspace), stdout=o, stderr=e
            )
        proc = Proc(popen, out, err)
        procs.append(proc)
        if ready and args[0] == "serve":
            proc.wait_for("READY")
        return proc

    yield start
    for proc in procs:
        if proc.popen.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.popen.kill()
            proc.popen.wait(10)


def _wait(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    detail: Callable[[], object] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    seen = f": {detail()}" if detail else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{seen}")


# --- reading the outcome -------------------------------------------------------------------


def _requests(ws: Workspace, **where: Any) -> list[dict[str, Any]]:
    query = select(dms_prcreq).order_by(dms_prcreq.c.prcreqid)
    for name, value in where.items():
        query = query.where(dms_prcreq.c[name] == value)
    with ws.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _logs(ws: Workspace) -> list[dict[str, Any]]:
    with ws.engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(select(dms_prclog).order_by(dms_prclog.c.prclogid)).mappings()
        ]


def _statuses(ws: Workspace) -> Counter[str]:
    with ws.engine.connect() as conn:
        return Counter(
            dict(
                conn.execute(
                    select(dms_prcreq.c.status, func.count()).group_by(dms_prcreq.c.status)
                ).all()
            )
        )


def _assert_each_ran_once(ws: Workspace, requests: list[dict[str, Any]]) -> None:
    """Every request DONE, with exactly one DMS_PRCLOG row, SUCCESS, which it points at."""
    by_request: dict[int, list[dict[str, Any]]] = {}
    for log in _logs(ws):
        by_request.setdefault(log["prcreqid"], []).append(log)
    not_done = [
        (r["prcreqid"], r["status"], r["message"]) for r in requests if r["status"] != "DONE"
    ]
    assert not not_done, not_done[:5]
    runs = Counter(len(by_request.get(r["prcreqid"], [])) for r in requests)
    assert runs == {1: len(requests)}, f"runs per request: {dict(runs)}"
    assert all(by_request[r["prcreqid"]][0]["status"] == "SUCCESS" for r in requests)
    assert all(by_request[r["prcreqid"]][0]["prclogid"] == r["prclogid"] for r in requests)
    assert {r["attempt"] for r in requests} == {1}


# --- workspaces ------------------------------------------------------------------------------


def tiny_mappings(ws: Workspace, admin: CurrentUser, folder: Path, refs: list[str]) -> list[str]:
    """Staging mappings of 20 rows, each into its own SQLite warehouse file: two loads into
    one SQLite file at once can fail with "database is locked" (an engine matter, reported;
    see test_concurrent_loads_into_one_sqlite_warehouse), which is not what these tests count."""
    staging_mappings(ws, admin, folder, [])  # the source, its query and SCH_DW
    connections = ConnectionService(ws, admin)
    for ref in refs:
        conn = connections.create(
            ConnectionDef(
                name=f"DW_{ref}",
                dbtype="SQLITE",
                database=str(folder / f"dw_{ref.lower()}.db"),
                options={"create": True},
            )
        )
        MappingService(ws, admin).save(
            Mapping(
                ref=ref,
                table_name=f"STG_{ref}",
                table_type="STAGING",
                sql_code="SQL_ITEMS",
                target_conid=conn.conid,
                columns=[
                    MappingColumn("CODE", "VARCHAR(10)", logic="code"),
                    MappingColumn("LABEL", "VARCHAR(40)", logic="label"),
                ],
            )
        )
    return refs


# --- 1. two services, 20 interval schedules, injected clock --------------------------------

MINUTES = 6


def test_two_services_enqueue_and_run_every_firing_exactly_once(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path, spawn: Spawn
) -> None:
    refs = tiny_mappings(workspace, admin, tmp_path, [f"LOAD_{n}" for n in range(20)])
    jobs = JobService(workspace, admin)
    rules: dict[int, frequency.Rule] = {}
    for n in range(20):
        spec = ScheduleSpec("ID", every_minutes=1 + n % 5, start=START)
        job = jobs.create(f"every{n:02d}", [refs[n]], schedule=spec)
        rules[job.jobschid] = frequency.make_rule("ID", every_minutes=1 + n % 5, start=START)
    with workspace.engine.begin() as conn:  # saved before the first firing
        conn.execute(update(dms_jobsch).values(reccrdt=START, recupdt=None))
    end = START + timedelta(minutes=MINUTES)
    expected = {
        (jobschid, moment)
        for jobschid, rule in rules.items()
        for moment in frequency.last_firing(rule, end, START)
    }
    assert len(expected) == 4 * (6 + 3 + 2 + 1 + 1)

    clock = tmp_path / "clock"
    clock.write_text(START.isoformat())
    services = [
        spawn(
            "serve", "--name", name, "--workers", "2", "--lease", "10", "--clock-file", str(clock)
        )
        for name in ("svc-a", "svc-b")
    ]
    for minute in range(1, MINUTES + 1):
        now = START + timedelta(minutes=minute)
        clock.write_text(now.isoformat())
        due = sum(1 for _, moment in expected if moment <= now)
        _wait(lambda due=due: len(_requests(workspace)) >= due, 60, f"the firings due at {now}")
        time.sleep(0.2)  # both services tick this minute: the slower one loses the race
    _wait(
        lambda: _statuses(workspace)["DONE"] >= len(expected),
        180,
        "every firing to run",
        lambda: (_statuses(workspace), [p.output() for p in services]),
    )
    for proc in services:
        assert proc.stop() == 0, proc.output()

    requests = _requests(workspace)
    fired = Counter((r["jobschid"], r["scheduled_for"]) for r in requests)
    assert set(fired) == expected and set(fired.values()) == {1}  # enqueued exactly once
    assert {r["reqtyp"] for r in requests} == {"SCHEDULE"}
    _assert_each_ran_once(workspace, requests)
    enqueued_by = Counter(r["requested_by"] for r in requests)
    ran_by = Counter(str(r["worker"]).split(":")[0] for r in requests)
    assert set(ran_by) == {"svc-a", "svc-b"}, ran_by  # both services worked the queue
    print(f"enqueued by {dict(enqueued_by)}; run by {dict(ran_by)}")


# --- 2. 1,000 run-now requests, 4 workers in 2 processes ------------------------------------

JOBS = 20


def test_thousand_run_now_requests_four_workers_two_processes(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path, spawn: Spawn, backend: str
) -> None:
    """Slow on purpose (about 2 minutes on PostgreSQL on a 2-core machine): 1,000 real loads,
    the count the acceptance asks for, at ~0.25 s of engine and log work each. SQLite runs
    100: it serialises every metadata commit behind one file lock (~6 ms each, a dozen per
    run), so 1,000 take over 3 minutes and exercise nothing the 100 do not."""
    count = 1000 if backend == "postgresql" else 100
    refs = tiny_mappings(workspace, admin, tmp_path, [f"TINY_{n}" for n in range(JOBS)])
    jobs = JobService(workspace, admin)
    created = [jobs.create(f"tiny{n:02d}", [ref]) for n, ref in enumerate(refs)]
    now = utcnow().replace(microsecond=0) - timedelta(hours=1)
    with workspace.engine.begin() as conn:  # what 1,000 clicks on "Run now" leave behind
        for n in range(count):
            job = created[n % JOBS]
            assert queue.enqueue(
                conn,
                job.jobid,
                job.jobschid,
                now + timedelta(microseconds=n),
                reqtyp="MANUAL",
                requested_by="admin",
            )
    began = time.monotonic()
    services = [
        spawn(
            "serve",
            *("--name", name, "--workers", "2", "--lease", "10"),
            *("--until-empty", "--max-seconds", "400"),
        )
        for name in ("svc-a", "svc-b")
    ]
    for proc in services:
        assert proc.popen.wait(420) == 0, proc.output()
    elapsed = time.monotonic() - began
    requests = _requests(workspace)
    assert len(requests) == count
    _assert_each_ran_once(workspace, requests)  # none starved, none twice
    ran_by = Counter(str(r["worker"]) for r in requests)
    assert len(ran_by) == 4, ran_by  # 4 workers in 2 processes all took part
    print(f"{count} runs in {elapsed:.1f} s; per worker {sorted(ran_by.values())}")


# --- 2b. the real entry point: several `dms-scheduler --once --workers 2` -----------------


def test_once_processes_drain_one_queue_with_dependents_together(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    parents = 3
    refs = tiny_mappings(workspace, admin, tmp_path, [f"ONCE_{n}" for n in range(2 * parents)])
    jobs = JobService(workspace, admin)
    created = [jobs.create(f"parent{n}", [refs[n]]) for n in range(parents)]
    for n in range(parents):
        jobs.create(f"child{n}", [refs[parents + n]], schedule=ScheduleSpec(after=f"parent{n}"))
    now = utcnow() - timedelta(hours=1)
    with workspace.engine.begin() as conn:
        for n in range(6 * parents):
            job = created[n % parents]
            queue.enqueue(
                conn,
                job.jobid,
                job.jobschid,
                now + timedelta(microseconds=n),
                reqtyp="MANUAL",
                requested_by="admin",
            )
    command = [sys.executable, "-m", "dms_desktop.scheduler_main", "--once", "--workers", "2"]
    procs = [
        subprocess.Popen(command, env=_env(workspace), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=180)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    processed = [int(out.split(":")[1].split()[0]) for out in outputs]
    requests = _requests(workspace)
    assert len(requests) == 12 * parents  # every parent run queued its child
    assert sum(processed) == len(requests)
    _assert_each_ran_once(workspace, requests)
    children = [r for r in requests if r["reqtyp"] == "DEPENDENCY"]
    by_id = {r["prcreqid"]: r for r in requests}
    assert all(by_id[c["parent_prcreqid"]]["scheduled_for"] == c["scheduled_for"] for c in children)
    print(f"processed per --once process: {processed}")


# --- slow loads on a PostgreSQL warehouse ---------------------------------------------------

LEASE = 2  # seconds: the reaper acts soon after a worker stops beating
ROWS = 300_000  # a load of a few seconds: time to kill or stop the worker in its middle


@dataclass
class SlowLoad:
    """A SQLite source of many rows copied into a PostgreSQL table: seconds per load."""

    source: Path
    target: Engine
    table: str

    def fill(self, rows: int, label: str) -> None:
        with sqlite3.connect(self.source) as db:
            db.execute("DELETE FROM big")
            if rows:
                db.execute(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                    "INSERT INTO big SELECT printf('K%07d', i), ? FROM n",
                    (rows, label),
                )

    def labels(self) -> dict[str, int]:
        """What a reader of the target sees: rows per label."""
        with self.target.connect() as conn:
            rows = conn.execute(text(f"SELECT label, count(*) FROM {self.table} GROUP BY label"))
            return {str(label): int(n) for label, n in rows}


@pytest.fixture
def slow_load(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path, pg_database: URL
) -> Iterator[Callable[[str], SlowLoad]]:
    engines: list[tuple[Engine, str]] = []

    def make(table_type: str) -> SlowLoad:
        schema = f"w_{uuid.uuid4().hex[:10]}"
        target = create_engine(pg_database)
        with target.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engines.append((target, schema))
        source = tmp_path / "big.db"
        with sqlite3.connect(source) as db:
            db.execute("CREATE TABLE big (code TEXT, label TEXT)")
        connections = ConnectionService(workspace, admin)
        src = connections.create(
            ConnectionDef(name="BIG_SRC", dbtype="SQLITE", database=str(source))
        )
        dw = connections.create(pg_connection("PG_DW", pg_database))
        queries = SqlService(workspace, admin)
        queries.save("SQL_BIG", "SELECT code, label FROM big", src.conid)
        assert queries.validate("SQL_BIG").ok
        MappingService(workspace, admin).save(
            Mapping(
                ref="SLOW",
                table_name="SLOW_TGT",
                table_type=table_type,
                sql_code="SQL_BIG",
                target_conid=dw.conid,
                target_schema=schema,
                columns=[
                    MappingColumn("CODE", "VARCHAR(20)", logic="code"),
                    MappingColumn("LABEL", "VARCHAR(40)", logic="label"),
                ],
            )
        )
        return SlowLoad(source, target, f"{schema}.slow_tgt")

    yield make
    for target, schema in engines:
        with target.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        target.dispose()


@contextmanager
def running_service(ws: Workspace, name: str, **options: Any) -> Iterator[SchedulerService]:
    """A service in this process (its threads), the one that survives the others."""
    service = SchedulerService(
        ws, ServiceOptions(use_clock=False, poll_s=0.1, sync_s=0.3, name=name, **options)
    )
    service.start()
    try:
        yield service
    finally:
        service.stop(timeout=10)


def _baseline(ws: Workspace, jobs: JobService, job: str) -> None:
    jobs.run_now(job)
    assert SchedulerService(ws, ServiceOptions(use_clock=False)).drain() == 1
    assert _requests(ws)[-1]["status"] == "DONE"


def _runs_of(ws: Workspace, prcreqid: int) -> list[dict[str, Any]]:
    return [log for log in _logs(ws) if log["prcreqid"] == prcreqid]


def _mid_load(ws: Workspace, prcreqid: int) -> dict[str, Any]:
    """Wait until the request's load is moving rows (its log RUNNING, no step done yet)."""
    _wait(lambda: any(r["status"] == "RUNNING" for r in _runs_of(ws, prcreqid)), 60, "the load")
    time.sleep(0.5)
    (log,) = _runs_of(ws, prcreqid)
    with ws.engine.connect() as conn:
        steps = conn.execute(
            select(dms_joblog.c.stepnm).where(dms_joblog.c.prclogid == log["prclogid"])
        ).all()
    assert log["status"] == "RUNNING" and not steps, "the load ended too soon: raise ROWS"
    return log


def _request(ws: Workspace, prcreqid: int) -> dict[str, Any]:
    (row,) = _requests(ws, prcreqid=prcreqid)
    return row


# --- 3. SIGKILL in the middle of a load -----------------------------------------------------


@pytest.mark.parametrize("backend", ["postgresql"])  # leases are backend-neutral SQL: see 5
@pytest.mark.parametrize("retries", [1, 0], ids=["retried", "failed"])
def test_sigkill_mid_load_is_retried_or_failed_and_target_holds_old_or_new(
    workspace: Workspace,
    admin: CurrentUser,
    spawn: Spawn,
    slow_load: Callable[[str], SlowLoad],
    retries: int,
) -> None:
    load = slow_load("STAGING")
    jobs = JobService(workspace, admin)
    jobs.create("slow", ["SLOW"], retries=retries, retry_delay=0)
    load.fill(100, "old")
    _baseline(workspace, jobs, "slow")
    assert load.labels() == {"old": 100}
    load.fill(ROWS, "new")
    prcreqid = jobs.run_now("slow")
    victim = spawn("serve", "--name", "victim", "--workers", "1", "--lease", str(LEASE))
    _mid_load(workspace, prcreqid)
    victim.signal(signal.SIGKILL)
    assert victim.popen.wait(10) == -signal.SIGKILL
    assert load.labels() == {"old": 100}  # the killed load left no trace

    seen: set[tuple[tuple[str, int], ...]] = set()
    final = ("DONE", "FAILED")
    with running_service(workspace, "survivor", workers=1, lease_s=LEASE):
        deadline = time.monotonic() + 120
        while _request(workspace, prcreqid)["status"] not in final:
            assert time.monotonic() < deadline, _request(workspace, prcreqid)
            seen.add(tuple(sorted(load.labels().items())))  # a reader, during the retry
            time.sleep(0.1)
    assert seen <= {(("old", 100),), (("new", ROWS),)}, seen  # never a mix

    request, runs = _request(workspace, prcreqid), _runs_of(workspace, prcreqid)
    killed = runs[0]
    assert killed["status"] == "FAILED" and "lost its lease" in killed["message"]
    assert killed["worker"].startswith("victim:")
    if retries:
        assert request["status"] == "DONE" and request["attempt"] == 2
        assert [r["status"] for r in runs] == ["FAILED", "SUCCESS"]
        assert request["worker"].startswith("survivor:")
        assert load.labels() == {"new": ROWS}
    else:
        assert request["status"] == "FAILED" and "no retries left" in request["message"]
        assert len(runs) == 1
        assert load.labels() == {"old": 100}


# --- 4. SIGSTOP past the lease, then SIGCONT ------------------------------------------------


@pytest.mark.parametrize("backend", ["postgresql"])
def test_sigstop_past_the_lease_old_worker_aborts_and_one_attempt_commits(
    workspace: Workspace, admin: CurrentUser, spawn: Spawn, slow_load: Callable[[str], SlowLoad]
) -> None:
    load = slow_load("FACT")  # appends: two commits would leave twice the rows
    jobs = JobService(workspace, admin)
    jobs.create("append", ["SLOW"], retries=1, retry_delay=0)
    load.fill(0, "")
    _baseline(workspace, jobs, "append")  # creates the target table, empty
    load.fill(ROWS, "new")
    prcreqid = jobs.run_now("append")
    sleeper = spawn("serve", "--name", "sleeper", "--workers", "1", "--lease", str(LEASE))
    first = _mid_load(workspace, prcreqid)
    sleeper.signal(signal.SIGSTOP)
    try:
        with running_service(workspace, "rescuer", workers=1, lease_s=LEASE):
            _wait(
                lambda: _request(workspace, prcreqid)["status"] == "DONE",
                120,
                "the retry to finish",
                lambda: _request(workspace, prcreqid),
            )
        assert load.labels() == {"new": ROWS}
    finally:
        sleeper.signal(signal.SIGCONT)
    # The sleeper wakes, finds its lease gone (heartbeat or the check before COMMIT), rolls back.
    _wait(
        lambda: _runs_of(workspace, prcreqid)[0]["status"] == "CANCELLED",
        60,
        "the old worker to abort",
        lambda: (_runs_of(workspace, prcreqid), sleeper.output()),
    )
    time.sleep(0.5)
    assert load.labels() == {"new": ROWS}  # exactly one attempt committed
    runs = _runs_of(workspace, prcreqid)
    assert [r["prclogid"] for r in runs] == [first["prclogid"], runs[1]["prclogid"]]
    assert [r["status"] for r in runs] == ["CANCELLED", "SUCCESS"]
    assert runs[1]["worker"].startswith("rescuer:") and runs[1]["insrows"] == ROWS
    request = _request(workspace, prcreqid)
    assert request["status"] == "DONE" and request["attempt"] == 2
    assert request["prclogid"] == runs[1]["prclogid"]
    assert sleeper.stop() == 0, sleeper.output()  # and the woken service stops cleanly


# --- 5. killed before the first heartbeat ---------------------------------------------------


def test_worker_killed_before_its_first_heartbeat_is_reaped(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path, spawn: Spawn
) -> None:
    refs = tiny_mappings(workspace, admin, tmp_path, ["K_CLAIM", "K_START"])
    jobs = JobService(workspace, admin)
    jobs.create("claimed", [refs[0]], retries=1, retry_delay=0)
    jobs.create("started", [refs[1]])  # no retries: fails
    claimed, started = jobs.run_now("claimed"), jobs.run_now("started")
    for after in ("claim", "start"):  # dies right after claiming / after marking it running
        doomed = spawn("claim-and-die", "--lease", str(LEASE), "--after", after)
        assert doomed.popen.wait(30) == -signal.SIGKILL, doomed.output()
    for prcreqid, status in ((claimed, "CLAIMED"), (started, "RUNNING")):
        row = _request(workspace, prcreqid)
        assert row["status"] == status and row["heartbeat_at"] == row["claimed_at"]
    with running_service(workspace, "reaper", workers=1, lease_s=LEASE):
        _wait(
            lambda: (
                _request(workspace, claimed)["status"] == "DONE"
                and _request(workspace, started)["status"] == "FAILED"
            ),
            60,
            "the reaper",
            lambda: _requests(workspace),
        )
    retried, failed = _request(workspace, claimed), _request(workspace, started)
    assert retried["attempt"] == 2 and retried["worker"].startswith("reaper:")
    assert [r["status"] for r in _runs_of(workspace, claimed)] == ["SUCCESS"]
    assert "no retries left" in failed["message"] and _runs_of(workspace, started) == []


# --- 6. PostgreSQL connections terminated under the service --------------------------------


@pytest.mark.parametrize("backend", ["postgresql"])
def test_terminated_connections_service_recovers_and_loses_no_firing(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path, spawn: Spawn, pg_database: URL
) -> None:
    refs = tiny_mappings(workspace, admin, tmp_path, [f"CUT_{n}" for n in range(4)])
    jobs = JobService(workspace, admin)
    rules = {}
    for n, ref in enumerate(refs):
        every = 1 + n % 2
        job = jobs.create(
            f"cut{n}", [ref], schedule=ScheduleSpec("ID", every_minutes=every, start=START)
        )
        rules[job.jobschid] = frequency.make_rule("ID", every_minutes=every, start=START)
    with workspace.engine.begin() as conn:
        conn.execute(update(dms_jobsch).values(reccrdt=START, recupdt=None))
    minutes = 6
    end = START + timedelta(minutes=minutes)
    expected = {
        (jobschid, moment)
        for jobschid, rule in rules.items()
        for moment in frequency.last_firing(rule, end, START)
    }
    clock = tmp_path / "clock"
    clock.write_text(START.isoformat())
    service = spawn(
        "serve", "--name", "svc", "--workers", "2", "--lease", "3", "--clock-file", str(clock)
    )
    killer = create_engine(pg_database, isolation_level="AUTOCOMMIT")

    def terminate() -> int:
        """Every dms-desktop backend on the database but ours: the service's (and this
        test's own pool, which pre-ping also heals)."""
        with killer.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND application_name = 'dms-desktop'"
                    )
                ).scalar_one()
            )

    killed = 0
    try:
        for minute in range(1, minutes + 1):
            now = START + timedelta(minutes=minute)
            cutting = minute < minutes  # the last minute runs undisturbed: recovered?
            killed += terminate() if cutting else 0  # idle in the pool when the clock moves
            clock.write_text(now.isoformat())
            due = sum(1 for _, moment in expected if moment <= now)
            _wait(lambda due=due: len(_requests(workspace)) >= due, 60, f"the firings of {now}")
            time.sleep(0.15)
            killed += terminate() if cutting else 0  # while it runs them
        _wait(
            lambda: not queue.depth(workspace),
            120,
            "the queue to drain",
            lambda: (_statuses(workspace), service.output()),
        )
    finally:
        killer.dispose()
    assert service.stop() == 0, service.output()
    assert killed >= 2 * (minutes - 1)  # there were connections to cut each time
    requests = _requests(workspace)
    # No firing lost, none doubled, none coalesced away: the service caught up every time.
    assert Counter((r["jobschid"], r["scheduled_for"]) for r in requests) == Counter(expected)
    logs = _logs(workspace)
    runs = Counter(log["prcreqid"] for log in logs)
    assert set(runs) <= {r["prcreqid"] for r in requests} and max(runs.values()) == 1
    assert {r["attempt"] for r in requests} == {1}  # none ran twice
    done = [r for r in requests if r["status"] == "DONE"]
    success = {log["prcreqid"] for log in logs if log["status"] == "SUCCESS"}
    assert {r["prcreqid"] for r in done} == success
    # A load whose own metadata reads or log writes were cut fails (an engine matter,
    # reported: see test_a_run_survives_its_metadata_connection_being_cut); never silently.
    failed = [r for r in requests if r["status"] != "DONE"]
    assert all(r["status"] == "FAILED" for r in failed)
    cut_off = ("server closed the connection", "terminating connection", "OperationalError")
    assert all(any(c in r["message"] for c in cut_off) for r in failed), failed
    last = [r for r in requests if r["scheduled_for"] == end]
    assert last and {r["status"] for r in last} == {"DONE"}  # after the cuts: all well
    print(f"{killed} backends cut; {len(requests)} firings ran once; {len(failed)} loads cut")


# --- 7. DST nights through the service's tick, dependencies ---------------------------------

DST_NIGHTS = [
    ("Europe/Berlin", "2026-03-29", "spring"),
    ("Europe/Berlin", "2026-10-25", "fall"),
    ("America/New_York", "2026-03-08", "spring"),
    ("America/New_York", "2026-11-01", "fall"),
]


def test_dst_nights_daily_0230_fires_once_a_day_through_tick(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    refs = tiny_mappings(workspace, admin, tmp_path, ["DST"])
    jobs = JobService(workspace, admin)
    windows = {}
    for n, (zone, day, _) in enumerate(DST_NIGHTS):
        begin = datetime.fromisoformat(day) - timedelta(days=2)
        spec = ScheduleSpec(
            "DL", hour=2, minute=30, zone=zone, start=begin, end=begin + timedelta(days=4)
        )
        job = jobs.create(f"dst{n}", refs, schedule=spec)
        windows[job.jobschid] = (zone, day, begin)
        with workspace.engine.begin() as conn:
            conn.execute(
                update(dms_jobsch)
                .where(dms_jobsch.c.jobschid == job.jobschid)
                .values(reccrdt=begin, recupdt=None)
            )
    clock = Clock(START)
    service = SchedulerService(workspace, ServiceOptions(use_clock=False), clock)
    for _, _, begin in sorted(windows.values(), key=lambda w: w[2]):
        for step in range(4 * 48 + 1):  # every 30 minutes through four days
            clock.now = begin + timedelta(minutes=30 * step)
            service.tick()
    requests = _requests(workspace)
    assert {r["status"] for r in requests} == {"NEW"}  # nothing missed, nothing coalesced
    for jobschid, (zone, day, begin) in windows.items():
        fired = [r["scheduled_for"] for r in requests if r["jobschid"] == jobschid]
        local = [_local(t, zone) for t in fired]
        dates = [text_[:10] for text_ in local]
        assert len(dates) == len(set(dates)) == 4, local  # one firing per local day
        assert day in dates
        on_day = local[dates.index(day)]
        # spring: 02:30 does not exist, it runs at 03:30; fall: the first 02:30 only
        assert on_day[11:] == ("03:30" if "-03-" in day else "02:30"), local
        # the service's APScheduler clock wakes at exactly these moments
        trigger = RuleTrigger.from_row(
            {**_schedule_row(workspace, jobschid)}, workspace.settings.timezone
        )
        assert trigger is not None
        wakes, previous = [], None
        now = begin.replace(tzinfo=UTC)
        for _ in range(4):
            previous = trigger.get_next_fire_time(previous, now)
            wakes.append(previous.replace(tzinfo=None))
        assert wakes == fired


def _local(moment: datetime, zone: str) -> str:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def _schedule_row(ws: Workspace, jobschid: int) -> dict[str, Any]:
    with ws.engine.connect() as conn:
        return dict(
            conn.execute(select(dms_jobsch).where(dms_jobsch.c.jobschid == jobschid))
            .mappings()
            .one()
        )


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_scheduled_parent_failure_does_not_run_its_child(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    refs = tiny_mappings(workspace, admin, tmp_path, ["PARENT", "CHILD"])
    jobs = JobService(workspace, admin)
    jobs.create("parent", [refs[0]], schedule=ScheduleSpec("DL", hour=2, minute=0, start=START))
    jobs.create("child", [refs[1]], schedule=ScheduleSpec(after="parent"))
    with workspace.engine.begin() as conn:
        conn.execute(update(dms_jobsch).values(reccrdt=START, recupdt=None))
    break_mapping(workspace, admin, "PARENT")
    clock = Clock(START + timedelta(hours=2, minutes=1))  # the first night
    service = SchedulerService(
        workspace, ServiceOptions(use_clock=False, workers=2, poll_s=0.1, sync_s=0.2), clock
    )
    service.start()
    try:
        service.tick()
        _wait(lambda: _statuses(workspace)["FAILED"] == 1, 60, "the parent to fail")
        time.sleep(0.5)  # give a wrongly queued child time to show up
        assert len(_requests(workspace)) == 1  # the child was not queued, so never ran
        mapping = MappingService(workspace, admin).get("PARENT")
        mapping.columns[1].logic = "label"
        MappingService(workspace, admin).save(mapping)
        clock.now += timedelta(days=1)  # the next night the parent succeeds: the child follows
        service.tick()
        _wait(lambda: _statuses(workspace)["DONE"] == 2, 60, "parent and child")
    finally:
        service.stop(timeout=10)
    parent_fail, parent_ok, child = _requests(workspace)
    assert child["reqtyp"] == "DEPENDENCY" and child["parent_prcreqid"] == parent_ok["prcreqid"]
    assert child["scheduled_for"] == parent_ok["scheduled_for"] == datetime(2026, 1, 2, 2, 0)
    assert parent_fail["status"] == "FAILED" and parent_fail["scheduled_for"].day == 1


@contextmanager
def cut_once(ws: Workspace, pg_url: URL, where: Callable[[str, Any], bool]) -> Iterator[list[int]]:
    """Terminate the PostgreSQL backend of the first statement ``where`` picks, just before
    it is sent: a real connection loss at an exact moment (a restart at a bad time)."""
    killer = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    cut: list[int] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if cut or not where(statement, parameters):
            return
        pid = conn.connection.dbapi_connection.get_backend_pid()
        cut.append(pid)
        with killer.connect() as k:
            k.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            while k.execute(
                text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).first():
                time.sleep(0.01)

    event.listen(ws.engine, "before_cursor_execute", before)
    try:
        yield cut
    finally:
        event.remove(ws.engine, "before_cursor_execute", before)
        killer.dispose()


# --- races the above can only hit by luck, made certain -------------------------------------


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_claim_that_loses_a_race_looks_again(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    """Worker A has claimed job X's first request but not committed; worker B skips it (locked),
    picks X's second request, and the one-active-run index refuses B once A commits. B must
    then take job Y's request, not report an empty queue (a ``--once`` drain would exit)."""
    refs = tiny_mappings(workspace, admin, tmp_path, ["RACE_X", "RACE_Y"])
    jobs = JobService(workspace, admin)
    jobs.create("x", [refs[0]])
    jobs.create("y", [refs[1]])
    x1, _x2, y1 = jobs.run_now("x"), jobs.run_now("x"), jobs.run_now("y")
    with workspace.engine.connect() as a:
        tx = a.begin()
        a.execute(
            update(dms_prcreq)
            .where(dms_prcreq.c.prcreqid == x1)
            .values(status="CLAIMED", worker="A", attempt=1, lease_until=datetime(2100, 1, 1))
        )
        with ThreadPoolExecutor(1) as pool:
            b = pool.submit(queue.claim, workspace, "B")
            time.sleep(1.0)  # B is now waiting on A's uncommitted claim of job X
            assert not b.done()
            tx.commit()
            got = b.result(timeout=30)
    assert got is not None and got.prcreqid == y1


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_reapers_at_once_decide_each_lease_once(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    """Every service reaps every few seconds, so two often read the same expired lease at
    once. One decides; the other must not decide again on what it read (a second retry
    message, a reset backoff, or a FAILED over a retry that already started)."""
    refs = tiny_mappings(workspace, admin, tmp_path, ["REAPED"])
    jobs = JobService(workspace, admin)
    jobs.create("reaped", refs, retries=1, retry_delay=0)
    prcreqid = jobs.run_now("reaped")
    assert queue.claim(workspace, "dead-worker", lease_s=1) is not None
    with workspace.engine.begin() as conn:
        conn.execute(update(dms_prcreq).values(lease_until=datetime(2000, 1, 1)))
    other = open_workspace(workspace.settings, upgrade=False)  # another service's process
    meanwhile: list[list[tuple[int, str]]] = []

    def second_reaper(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not meanwhile and statement.startswith("SELECT") and "lease_until <" in statement:
            meanwhile.append(queue.reap(other))  # between the first one's read and write

    event.listen(workspace.engine, "after_cursor_execute", second_reaper)
    try:
        with ThreadPoolExecutor(1) as pool:  # a reaper that blocked would hang the test
            decided = pool.submit(queue.reap, workspace).result(timeout=30)
    finally:
        event.remove(workspace.engine, "after_cursor_execute", second_reaper)
        other.close()
    assert len(meanwhile) == 1
    assert meanwhile[0] + decided == [(prcreqid, "RETRY")]  # decided once, by either
    row = _request(workspace, prcreqid)
    assert row["status"] == "NEW" and row["attempt"] == 1


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_frozen_worker_holding_its_row_does_not_freeze_the_reaper(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    """SIGSTOP can land while a worker's heartbeat holds its request row locked. The reaper
    (and with it the service's clock, on the same housekeeping thread) must reap the other
    expired leases, not wait for a process that may never wake."""
    refs = tiny_mappings(workspace, admin, tmp_path, ["FROZEN", "DEAD"])
    jobs = JobService(workspace, admin)
    jobs.create("frozen", [refs[0]])
    jobs.create("dead", [refs[1]])
    frozen, dead = jobs.run_now("frozen"), jobs.run_now("dead")
    assert queue.claim(workspace, "w-frozen", lease_s=1) is not None
    assert queue.claim(workspace, "w-dead", lease_s=1) is not None
    with workspace.engine.begin() as conn:
        conn.execute(update(dms_prcreq).values(lease_until=datetime(2000, 1, 1)))
    with workspace.engine.connect() as stuck:
        stuck.begin()
        stuck.execute(  # the frozen worker's heartbeat, never committed
            update(dms_prcreq)
            .where(dms_prcreq.c.prcreqid == frozen)
            .values(heartbeat_at=datetime(2000, 1, 1))
        )
        with ThreadPoolExecutor(1) as pool:
            reaping = pool.submit(queue.reap, workspace)
            try:
                decided = reaping.result(timeout=30)
            finally:
                stuck.rollback()
    assert decided == [(dead, "FAILED")]
    assert queue.reap(workspace) == [(frozen, "FAILED")]  # once the row is free


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_worker_frozen_inside_its_heartbeat_is_still_reaped(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    """SIGSTOP between a heartbeat's UPDATE and its COMMIT: the row stays locked for as long
    as the process sleeps. The server ends that transaction after a lease idle in it, so the
    reaper gets the row, and the frozen worker's late COMMIT fails."""
    refs = tiny_mappings(workspace, admin, tmp_path, ["ICE"])
    JobService(workspace, admin).create("ice", refs)  # no retries: the reaper fails it
    prcreqid = JobService(workspace, admin).run_now("ice")
    assert queue.claim(workspace, "w-ice", lease_s=1) is not None
    frozen = threading.Event()

    def freeze(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE") and "heartbeat_at=" in statement:
            frozen.set()
            time.sleep(4)  # stopped between the UPDATE and the COMMIT

    with ThreadPoolExecutor(1) as pool:
        event.listen(workspace.engine, "after_cursor_execute", freeze)
        try:
            beat = pool.submit(queue.heartbeat, workspace, prcreqid, "w-ice", 1)
            assert frozen.wait(10)
        finally:
            event.remove(workspace.engine, "after_cursor_execute", freeze)
        began = time.monotonic()
        _wait(lambda: queue.reap(workspace) == [(prcreqid, "FAILED")], 3.5, "the reaper")
        assert time.monotonic() - began < 3.5  # before the frozen worker woke
        with pytest.raises(OperationalError):
            beat.result(timeout=10)  # its transaction was ended for it
    assert _request(workspace, prcreqid)["status"] == "FAILED"


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.parametrize("moment", ["start", "lease check", "finish"])
def test_connection_cut_at_a_bookkeeping_write_neither_fails_the_run_nor_kills_the_worker(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path, pg_database: URL, moment: str
) -> None:
    """The metadata connection dies exactly when the worker marks a request running, checks
    its lease before COMMIT, or records the outcome (a database restart at a bad moment)."""
    refs = tiny_mappings(workspace, admin, tmp_path, ["CUT_A", "CUT_B"])
    jobs = JobService(workspace, admin)
    jobs.create("a", [refs[0]])
    jobs.create("b", [refs[1]], schedule=ScheduleSpec(after="a"))
    marker = {
        "start": "status=%(status)s",
        "lease check": "heartbeat_at=",
        "finish": "finished_at=",
    }[moment]

    def at_moment(statement: str, parameters: Any) -> bool:
        if not statement.startswith("UPDATE") or "dms_prcreq" not in statement:
            return False
        if "claimed_at" in statement or (moment == "start" and parameters["status"] != "RUNNING"):
            return False  # the claim, not the moment we want
        return marker in statement

    with (
        cut_once(workspace, pg_database, at_moment) as cut,
        running_service(workspace, "cut", workers=1) as service,
    ):
        first = jobs.run_now("a")
        service.wake()
        _wait(
            lambda: _statuses(workspace)["DONE"] == 2,  # a, then b (queued by a)
            60,
            "a and its child",
            lambda: _requests(workspace),
        )
    assert len(cut) == 1
    requests = _requests(workspace)
    assert [r["prcreqid"] for r in requests][0] == first
    _assert_each_ran_once(workspace, requests)  # the worker thread lived on to run b


# --- what the engine does for the scheduler -------------------------------------------------

# Statements of a run on the metadata database, each cut once (in this order during a run).
METADATA_CUTS: dict[str, Callable[[str], bool]] = {
    "grants": lambda s: s.startswith("SELECT") and "dms_mapr LEFT OUTER JOIN" in s,
    "start": lambda s: s.startswith("INSERT INTO") and "dms_prclog" in s,
    "mapping": lambda s: s.startswith("SELECT") and ".dms_maprdtl." in s,
    "plan": lambda s: s.startswith("SELECT") and "dms_jobflw" in s,
    "step": lambda s: s.startswith("INSERT INTO") and "dms_joblog" in s,
    "finish": lambda s: s.startswith("UPDATE") and "dms_prclog" in s,
}


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.parametrize("where", list(METADATA_CUTS))
def test_a_run_survives_its_metadata_connection_being_cut(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path, pg_database: URL, where: str
) -> None:
    """run_mapping's metadata reads and log writes are retried on a fresh connection (the
    scheduler's ``persist``): a metadata restart mid-run does not fail the load."""
    refs = tiny_mappings(workspace, admin, tmp_path, ["STEP_CUT"])
    JobService(workspace, admin).create("steps", refs)
    JobService(workspace, admin).run_now("steps")
    picks = METADATA_CUTS[where]
    with cut_once(workspace, pg_database, lambda s, _p: picks(s)) as cut:
        SchedulerService(workspace, ServiceOptions(use_clock=False)).drain()
    assert len(cut) == 1
    _assert_each_ran_once(workspace, _requests(workspace))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_concurrent_loads_into_one_sqlite_warehouse(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    """Four workers load into one SQLite file at once: each load takes the file's write lock
    up front (BEGIN IMMEDIATE), so the others wait their turn instead of failing."""
    refs = staging_mappings(workspace, admin, tmp_path, [f"SHARED_{n}" for n in range(4)])
    jobs = JobService(workspace, admin)
    for n, ref in enumerate(refs):
        jobs.create(f"shared{n}", [ref])
    for _ in range(5):
        for n in range(len(refs)):
            jobs.run_now(f"shared{n}")
    with running_service(workspace, "shared", workers=4):
        _wait(lambda: not queue.depth(workspace), 120, "the queue to drain")
    assert _statuses(workspace) == {"DONE": 20}


def test_the_oracle_claim_is_a_cursor_claim() -> None:
    """Oracle refuses FETCH FIRST with FOR UPDATE (ORA-02014) and FOR UPDATE OF needs a
    column: the claim reads candidates in order, locking as it fetches (no server here)."""
    from sqlalchemy.dialects import oracle

    sql = str(queue.claim_query("oracle", START).compile(dialect=oracle.dialect()))
    assert "FETCH FIRST" not in sql and "ROWNUM" not in sql
    assert sql.rstrip().endswith("FOR UPDATE OF dms_prcreq.prcreqid SKIP LOCKED")
    assert "ORDER BY dms_prcreq.priority, dms_prcreq.scheduled_for" in sql
