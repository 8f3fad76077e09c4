"""Run a mapping's load: one target transaction, logged step by step, cancellable.

Everything that touches the target (target table creation, staging, transfer, checks,
lookups, merge) runs in ONE transaction on the target connection: readers see the old or the
new state, never a mix; a failed, cancelled or killed run leaves the target as it was, and
its staging table (temporary) disappears with the transaction.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Index, func, inspect, literal, select
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from dms_desktop.core import clock
from dms_desktop.core.connections.engines import SQLITE_BUSY_TIMEOUT_MS, SQLITE_IMMEDIATE
from dms_desktop.core.engine import checks
from dms_desktop.core.engine.merge import Step, duplicate_keys_query, merge_steps
from dms_desktop.core.engine.plan import (
    CompiledLoad,
    LoadContext,
    build_load,
    compile_load,
    prepare,
    store_plan,
)
from dms_desktop.core.engine.runlog import RunCounts, RunLog, metadata
from dms_desktop.core.engine.target import LoadShape
from dms_desktop.core.engine.transfer import (
    raise_temp_buffers,
    staged_columns,
    staging_table,
    transfer,
)
from dms_desktop.core.errors import DmsError, describe_db_error
from dms_desktop.core.mapping.repository import require_current_mapping
from dms_desktop.core.security.connection_access import check_mapping_connections
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.tasks import TaskCancelled, TaskState
from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)
SUCCESS, FAILED, CANCELLED = "SUCCESS", "FAILED", "CANCELLED"
# A load into a SQLite file another load is writing waits this long for its turn.
SQLITE_LOCK_WAIT_S = 600
SQLITE_LOCK_ATTEMPT_MS = 1000


class RunFailed(DmsError):
    """The load could not complete; the target is unchanged."""


@dataclass(frozen=True)
class RunResult:
    prclogid: int
    ref: str
    status: str
    counts: RunCounts
    message: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == SUCCESS


def run_mapping(
    ws: Workspace,
    actor: CurrentUser,
    ref: str,
    state: TaskState | None = None,
    *,
    trigger: str = "MANUAL",
    jobid: int | None = None,
    prcreqid: int | None = None,
    worker: str | None = None,
) -> RunResult:
    """Load one mapping now. Never raises for a failed load: the result (and DMS_PRCLOG)
    says what happened; permission errors, and an unknown mapping run by hand (no
    ``prcreqid``), are raised before anything is logged.

    Needs the Run right in Jobs, and the use of every connection the mapping reads or writes
    (per-connection grants). Metadata reads and log writes survive a dropped metadata
    connection (retried, see ``runlog.metadata``); a metadata database away for longer fails
    the run, and raises MetadataUnavailable if even the final log write cannot be made."""
    actor.require("jobs", "run")
    if prcreqid is None:  # by hand: a mistyped name is refused, not logged as a failed run
        metadata(lambda: _require_mapping(ws, ref), f"Run of {ref}: find the mapping")
    metadata(
        lambda: check_mapping_connections(ws, actor, [ref]), f"Run of {ref}: connection grants"
    )
    started = time.monotonic()
    runlog = RunLog.start(
        ws,
        ref,
        runby=actor.username,
        trigger=trigger,
        jobid=jobid,
        prcreqid=prcreqid,
        worker=worker,
    )
    counts = RunCounts()
    try:
        what = f"Run {runlog.prclogid} of {ref}"
        ctx = metadata(lambda: prepare(ws, actor, ref), f"{what}: read the mapping")
        compiled = compile_load(ctx)
        metadata(lambda: store_plan(ws, compiled.plan, ctx.mapping), f"{what}: store the plan")
        _load(ctx, compiled, runlog, counts, state)
        status, message = SUCCESS, _summary(counts)
    except TaskCancelled:
        status, message = CANCELLED, "Cancelled; the target is unchanged."
    except DmsError as exc:
        status, message = FAILED, exc.message
    except SQLAlchemyError as exc:
        if state is not None and state.cancelled:
            status, message = CANCELLED, "Cancelled; the target is unchanged."
        else:
            log.warning("Run %s of %s failed: %s", runlog.prclogid, ref, exc)
            status, message = FAILED, f"The database refused the load: {describe_db_error(exc)}"
    except Exception:
        if state is not None and state.cancelled:  # whatever the cancel broke on its way
            status, message = CANCELLED, "Cancelled; the target is unchanged."
        else:
            log.exception("Run %s of %s failed unexpectedly", runlog.prclogid, ref)
            status, message = FAILED, "Unexpected error; the details are in the log file."
    if status == FAILED:
        runlog.error("RUN", message)
    runlog.finish(status, counts, message)
    return RunResult(runlog.prclogid, ref, status, counts, message, time.monotonic() - started)


def _require_mapping(ws: Workspace, ref: str) -> None:
    with ws.engine.connect() as conn:
        require_current_mapping(conn, ref)


def _summary(c: RunCounts) -> str:
    parts = [f"{c.read:,} read", f"{c.inserted:,} inserted", f"{c.updated:,} updated"]
    parts += [f"{c.expired:,} closed"] if c.expired else []
    parts += [f"{c.deleted:,} deleted"] if c.deleted else []
    parts += [f"{c.rejected:,} rejected"] if c.rejected else []
    parts += [f"{c.unmatched:,} without lookup match (-1)"] if c.unmatched else []
    return ", ".join(parts)


class _Steps:
    """Numbered DMS_JOBLOG rows around each step; progress text for the caller."""

    def __init__(self, runlog: RunLog, state: TaskState | None) -> None:
        self.runlog, self.state, self.seq = runlog, state, 0

    def run(self, name: str, work: Any, sql: str | None = None) -> Any:
        if self.state is not None:
            self.state.check()
            self.state.report(-1, name)
        self.seq += 1
        began = clock.utcnow()
        try:
            rows = work()
        except BaseException as exc:
            self.runlog.step(
                self.seq,
                name,
                began,
                "FAILED",
                None,
                sql,
                getattr(exc, "message", None) or type(exc).__name__,
            )
            raise
        self.runlog.step(
            self.seq, name, began, "SUCCESS", rows if isinstance(rows, int) else None, sql
        )
        return rows


def _load(
    ctx: LoadContext,
    compiled: CompiledLoad,
    runlog: RunLog,
    counts: RunCounts,
    state: TaskState | None,
) -> None:
    shape = ctx.shape
    run_ts = clock.utcnow()
    steps = _Steps(runlog, state)
    own_stage = staging_table(shape, runlog.prclogid, {}).name
    if compiled.view is None and own_stage != compiled.stage.name:  # Oracle: named by the run
        compiled = build_load(ctx, runlog.prclogid, compiled.lookups)
    stage, view = compiled.stage, compiled.view
    with _transaction(ctx.target, state, same_snapshot=view is not None) as conn:
        if not inspect(conn).has_table(shape.target.name, schema=shape.target.schema):
            steps.run("create target table", lambda: shape.target.create(conn))
        if view is not None:
            view.create(conn)
            counts.read = steps.run(
                "read the source in place and check rows",
                lambda: _read_in_place(conn, ctx, stage, runlog),
                view.ddl,
            )
        else:
            stage.create(conn)

            def moved(rows: int) -> None:
                if state is not None:
                    state.report(-1, f"{rows:,} rows staged")

            counts.read = steps.run(
                "extract and stage",
                lambda: transfer(
                    ctx.source,
                    conn,
                    ctx.extract_sql,
                    stage,
                    staged_columns(shape),
                    chunk=ctx.chunk,
                    state=state,
                    progress=moved,
                ),
                ctx.extract_sql,
            )
            counts.rejected = steps.run("check rows", lambda: _reject(conn, ctx, stage, runlog))

        def execute(plan: list[Step]) -> None:
            for step in plan:
                rows = steps.run(
                    step.name,
                    lambda s=step.statement: _rowcount(conn.execute(s, {"run_ts": run_ts})),
                    compiled.text_of(step, ctx),
                )
                if step.counts:
                    counts.add(step.counts, rows)

        # Lookups first: the merge (and so the duplicate check) joins on the resolved keys.
        execute(compiled.lookup_steps)
        if shape.upsert:
            steps.run(
                "check duplicate keys",
                lambda: _no_duplicates(conn, ctx, stage, indexable=view is None),
            )
        if shape.upsert and _empty(conn, shape):
            execute(merge_steps(shape, stage, target_empty=True))
        else:
            execute(compiled.merge_steps)
        (view or stage).drop(conn)
        if state is not None:
            # Last chance: a cancel (or, for the scheduler, a lost lease) before COMMIT
            # leaves the target as it was.
            getattr(state, "before_commit", state.check)()


@contextmanager
def _transaction(
    target: Engine, state: TaskState | None, *, same_snapshot: bool = False
) -> Iterator[Connection]:
    """The load's one transaction on the target, with its cancel watcher.

    ``same_snapshot``: the merge reads the source in place (source_view.py), once per
    statement: REPEATABLE READ makes every statement see the same source rows.

    On SQLite it starts with BEGIN IMMEDIATE: the load holds the file's write lock from the
    start, so a second load into the same file waits its turn instead of failing with
    "database is locked" when it first writes after reading. The wait is taken in short
    attempts (cancel stays prompt; SQLite's busy wait cannot be interrupted), up to
    SQLITE_LOCK_WAIT_S.
    """
    if target.dialect.name != "sqlite":
        with target.connect() as conn, _CancelWatcher(conn, state):
            if same_snapshot:
                conn.execution_options(isolation_level="REPEATABLE READ")
            raised = False
            try:
                with conn.begin():
                    raised = not same_snapshot and raise_temp_buffers(conn)
                    if _postgres_with_jit(conn):
                        # JIT-compiling the merge's wide hash and compare expressions cost
                        # more than it saved: 5.1-5.9 s against 3.4-3.7 s for the in-place
                        # update of a 1,000,000-row dimension (tests/benchmarks).
                        conn.exec_driver_sql("SET LOCAL jit = off")
                    yield conn
            finally:
                if raised:
                    conn.invalidate()  # give the server the session's larger temp buffers back
        return
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_S
    while True:
        conn = target.connect().execution_options(**{SQLITE_IMMEDIATE: True})
        dbapi: Any = conn.connection.driver_connection
        try:
            dbapi.execute(f"PRAGMA busy_timeout={SQLITE_LOCK_ATTEMPT_MS}")
            try:
                tx = conn.begin()
            finally:
                dbapi.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        except OperationalError as exc:
            conn.close()  # a failed BEGIN leaves the Connection unusable: take a fresh one
            if not _locked(exc) or time.monotonic() > deadline:
                raise
            if state is not None:
                state.check()
                state.report(-1, "Waiting for another load into this SQLite database to end")
            continue
        break
    with conn, _CancelWatcher(conn, state), tx:
        yield conn


def _postgres_with_jit(conn: Connection) -> bool:
    version = conn.dialect.server_version_info or (0,)
    return conn.dialect.name == "postgresql" and version >= (11,)


def _locked(exc: OperationalError) -> bool:
    orig = exc.orig
    return getattr(orig, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _empty(conn: Connection, shape: LoadShape) -> bool:
    return conn.execute(select(literal(1)).select_from(shape.target).limit(1)).first() is None


def _rowcount(result: Any) -> int:
    return max(0, int(result.rowcount or 0))


def _read_in_place(conn: Connection, ctx: LoadContext, view: Any, runlog: RunLog) -> int:
    """Rows read and bad rows counted in one pass over the source view; a bad row fails the
    run (a source is read in place only at error threshold 0)."""
    bad = checks.any_broken(checks.rules(ctx.shape, view))
    read, rejected = conn.execute(
        select(func.count(), func.count().filter(bad)).select_from(view)
    ).one()
    if rejected:
        _reject(conn, ctx, view, runlog)
    return int(read)


def _reject(conn: Connection, ctx: LoadContext, stage: Any, runlog: RunLog) -> int:
    found = checks.rules(ctx.shape, stage)
    threshold = ctx.mapping.error_threshold or 0
    total, shown = checks.find(conn, ctx.shape, stage, found, max(threshold, checks.MAX_SHOWN))
    if not total:
        return 0
    if total > threshold:
        raise RunFailed(
            f"{checks.describe(total, shown)}. The error threshold is {threshold}: "
            "nothing was loaded. Fix the source, or raise the threshold."
        )
    runlog.rejections(shown[:total])
    checks.remove(conn, stage, found)
    return total


def _no_duplicates(conn: Connection, ctx: LoadContext, stage: Any, *, indexable: bool) -> int:
    """A unique index on the stage key: a sort, several times cheaper than GROUP BY on large
    stages, and an index the merge can use (SQLite joins by index). Only when it cannot be
    built are the offending keys looked up. A source view cannot be indexed: grouped."""
    shape = ctx.shape
    if indexable:
        try:
            with conn.begin_nested():
                keys = (stage.c[k.name] for k in shape.keys)
                Index(f"{stage.name}_key", *keys, unique=True).create(conn)
            return 0
        except DBAPIError:
            dups = conn.execute(duplicate_keys_query(shape, stage)).all()
            if not dups:
                raise
    else:
        dups = conn.execute(duplicate_keys_query(shape, stage)).all()
        if not dups:
            return 0
    listed = ", ".join("|".join(str(v) for v in row) for row in dups)
    names = "+".join(k.spec.name for k in shape.keys)
    raise RunFailed(
        f"Duplicate business keys ({names}) in the source: {listed}. "
        "A key must appear once per run: fix the source SQL."
    )


class _CancelWatcher:
    """Turns a cancel into a server-side cancel of the statement running on ``conn``."""

    def __init__(self, conn: Connection, state: TaskState | None) -> None:
        self.conn, self.state = conn, state
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _CancelWatcher:
        if self.state is not None:
            self._thread = threading.Thread(target=self._watch, name="dms-run-cancel", daemon=True)
            self._thread.start()
        return self

    def _watch(self) -> None:
        assert self.state is not None
        while not self._done.wait(0.1):
            if self.state.cancelled:
                dbapi: Any = self.conn.connection.driver_connection
                try:
                    if self.conn.dialect.name == "sqlite":
                        dbapi.interrupt()
                    else:
                        dbapi.cancel()
                except Exception:  # noqa: BLE001 - nothing running to cancel
                    pass
                return

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
