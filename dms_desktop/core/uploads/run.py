"""Running an upload: read, apply the rules, check every row, stage, check keys, merge.

One transaction on the target holds it all (with the new table, when the upload creates
one: PostgreSQL and SQLite create tables transactionally): nothing is visible to others
until the commit, and any failure, a validation failure in all-or-nothing mode or a cancel
rolls everything back. With "skip bad rows up to N" the bad rows go to
``<file>.rejects.csv`` beside the source and the rest is loaded, unless more than N fail.

Failures that stop a load (file unreadable, mapping invalid, database error) raise a
``DmsError``; a load that ran returns an ``UploadResult`` (SUCCESS, VALID, INVALID,
CANCELLED) with the counts, the first errors and the error report's path.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import DBAPIError

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.engine.transfer import raise_temp_buffers
from dms_desktop.core.errors import DmsError, ValidationError, describe_db_error
from dms_desktop.core.mapping.names import fold
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.tasks import TaskCancelled, TaskState
from dms_desktop.core.uploads import bulk, keys
from dms_desktop.core.uploads.model import Issue, TargetColumn, UploadDef, UploadResult
from dms_desktop.core.uploads.plan import LoadPlan, compile_plan
from dms_desktop.core.uploads.readers import open_source
from dms_desktop.core.uploads.stream import READ_SHARE, LoadStream
from dms_desktop.core.uploads.target import (
    create_table_ddl,
    describe_table,
    planned_columns,
    resolve_table,
    sa_table,
)
from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)


def upload_target(
    ws: Workspace, actor: CurrentUser, defn: UploadDef
) -> tuple[Engine, str, str | None, list[TargetColumn]]:
    """Engine, dialect, the table's stored name (None: to be created) and its columns."""
    if defn.conid is None:
        raise ValidationError("Choose the target connection of the upload.")
    if not defn.table.strip():
        raise ValidationError("Choose the target table of the upload.")
    engine, dialect = ConnectionService(ws, actor).engine_and_dialect(defn.conid)
    stored = resolve_table(engine, defn.schema, defn.table.strip())
    if stored is not None:
        return engine, dialect, stored, describe_table(engine, defn.schema, stored)
    if not defn.create_table:
        raise ValidationError(
            f"Table {defn.table} does not exist on that connection: choose an existing table "
            "or let the upload create it (--create-table)."
        )
    return engine, dialect, None, planned_columns(defn.columns, dialect)


def run_upload(
    ws: Workspace,
    actor: CurrentUser,
    defn: UploadDef,
    path: Path | str,
    state: TaskState | None = None,
    *,
    validate_only: bool = False,
    errors_path: Path | None = None,
) -> UploadResult:
    """Load ``path`` as ``defn`` says (or only validate it: nothing is written)."""
    actor.require("uploads", "view" if validate_only else "create")
    started = time.perf_counter()
    path = Path(path).expanduser()
    engine, dialect, stored, targets = upload_target(ws, actor, defn)
    with open_source(path, defn.options) as source:
        plan = compile_plan(defn, source.columns, targets)
        table_name = stored or fold(defn.table.strip())
        result = UploadResult(
            status="",
            file=str(path),
            table=f"{defn.schema}.{table_name}" if defn.schema else table_name,
            mode=defn.mode,
            notes=[*source.notes, *source.warnings],
        )
        run = LoadStream(
            plan,
            source,
            state,
            errors_path,
            keep_rejects=defn.max_rejects > 0 and not validate_only,
        )
        run.use_fast_path(engine.dialect.name)
        ddl = None if stored else create_table_ddl(defn.table, defn.schema, defn.columns, dialect)
        try:
            _load(engine, run, result, table_name, ddl, validate_only)
        except TaskCancelled:
            result.status = "CANCELLED"
            result.message = f"Cancelled: nothing was loaded into {result.table}."
        except DBAPIError as exc:
            if state is not None and state.cancelled:
                result.status = "CANCELLED"
                result.message = f"Cancelled: nothing was loaded into {result.table}."
            else:
                raise DmsError(
                    f"Loading {path.name} into {result.table} failed and was rolled back: "
                    f"{describe_db_error(exc)}"
                ) from exc
        finally:
            result.errors_file = run.sink.close()
            if run.rejects is not None and result.status != "SUCCESS":
                run.rejects.discard()
            run.source.close()  # a restarted load reads through a second reader
        result.notes += [n for n in run.source.notes if n not in result.notes]
    result.rows_read = run.read
    result.error_count = run.sink.count
    result.errors = sorted(run.sink.shown, key=lambda i: (i.row, i.column))
    result.seconds = time.perf_counter() - started
    if result.status == "SUCCESS":
        result.message = _success_message(result, run)
    log.info(
        "upload of %s into %s: %s, %d rows read, %d loaded, %d bad (%s)",
        path.name, result.table, result.status, result.rows_read, result.loaded,
        run.bad_rows, ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()),
    )  # fmt: skip
    return result


def _load(
    engine: Engine,
    run: LoadStream,
    result: UploadResult,
    table_name: str,
    ddl: list[str] | None,
    validate_only: bool,
) -> None:
    defn, plan = run.plan.defn, run.plan
    clock = _Clock(result)
    with engine.connect() as conn:
        raised = False
        try:
            with conn.begin() as tx:
                raised = raise_temp_buffers(conn)
                keys.prefer_memory(conn)
                for statement in ddl or ():
                    conn.exec_driver_sql(statement)
                if ddl:
                    result.notes.append(f"Table {table_name} created")
                    result.created = True
                target = sa_table(table_name, defn.schema, plan.targets)
                # An append into a table whose own unique index covers the key leaves the key
                # checks to that index; should it refuse a row, they run then, for the report.
                trusted = (
                    not validate_only
                    and defn.mode in ("APPEND", "REPLACE")
                    and defn.max_rejects == 0
                    and bool(plan.keys)
                    and ddl is None
                    and keys.unique_on(conn, target, plan.keys)
                )
                if _copy_direct(conn, run, target, result, validate_only, trusted or not plan.keys):
                    clock.lap("read and load")
                    if run.bad_rows:  # the COPY went back: nothing of a bad file is kept
                        tx.rollback()
                        _invalid(result, run, defn.max_rejects)
                        return
                else:
                    stage, staged = _fill(conn, run, plan)
                    clock.lap("read and stage")
                    if not trusted:
                        _key_checks(conn, run, stage, target, existed=ddl is None)
                        clock.lap("key checks")
                    if run.state is not None:
                        run.state.check()
                    limit = defn.max_rejects
                    if run.bad_rows and (limit == 0 or run.bad_rows > limit):
                        tx.rollback()
                        _invalid(result, run, limit)
                        return
                    if validate_only:
                        tx.rollback()
                        result.status = "VALID"
                        result.rejected = run.bad_rows
                        good = staged - len(run.drop)
                        result.message = f"{good:,} rows are valid." + (
                            f" {run.bad_rows:,} bad rows would be skipped." if run.bad_rows else ""
                        )
                        return
                    if run.drop:
                        keys.drop_rows(conn, stage.table, run.drop)
                    if run.read == 0:
                        _no_rows(result)
                    elif not _merge(conn, run, stage, target, result, trusted=trusted):
                        tx.rollback()
                        _invalid(result, run, limit)
                        return
                    clock.lap("merge")
                    if defn.mode == "UPSERT":
                        moved = result.inserted + result.updated
                        result.unchanged = max(staged - len(run.drop) - moved, 0)
                    stage.drop()
            result.status = "SUCCESS"
            result.rejected = run.bad_rows
            if run.rejects is not None:
                result.rejects_file = run.rejects.commit()
        finally:
            if raised:
                conn.invalidate()  # give the server the session's larger temp buffers back


class _Clock:
    """Seconds per phase, in ``result.timings`` and the log."""

    def __init__(self, result: UploadResult) -> None:
        self.result = result
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.result.timings[phase] = round(now - self.last, 3)
        self.last = now


def _invalid(result: UploadResult, run: LoadStream, limit: int) -> None:
    result.status = "INVALID"
    result.message = _invalid_message(run, result.table, limit)


def _copy_direct(
    conn: Connection,
    run: LoadStream,
    target: Table,
    result: UploadResult,
    validate_only: bool,
    keys_safe: bool,
) -> bool:
    """PostgreSQL, a clean file appended: COPY straight into the target, as psql would, in a
    savepoint. True when that ran (bad rows found on the way are the caller's to report);
    False when it does not apply, or when the table refused a value or a repeated key: the
    load then starts again through the stage, which finds and reports every bad row."""
    defn = run.plan.defn
    if (
        conn.dialect.name != "postgresql"
        or run.shapes is None
        or validate_only
        or defn.mode != "APPEND"
        or defn.max_rejects
        or not keys_safe
    ):
        return False
    savepoint = conn.begin_nested()
    try:  # a cancel stops the reader, as when staging
        rows = bulk.copy_blocks(conn, target, run.plan.targets, run.blocks())
    except DBAPIError as exc:
        savepoint.rollback()
        if not (bulk.refused_value(exc) or keys.refused_key(exc)):
            raise
        run.restart()
        return False
    if run.bad_rows:
        savepoint.rollback()
        return True
    savepoint.commit()
    result.inserted = rows
    if run.read == 0:
        _no_rows(result)
    return True


def _no_rows(result: UploadResult) -> None:
    state = "was created empty" if result.created else "is unchanged"
    result.notes.append(f"The file has no data rows: {result.table} {state}.")


def _fill(conn: Connection, run: LoadStream, plan: LoadPlan) -> tuple[bulk.Stage, int]:
    """Stage every valid row; when the fast path met a value the database refused, start
    again value by value (the stage is made inside a savepoint, so it goes too)."""
    fast = run.shapes is not None
    savepoint = conn.begin_nested() if fast else None
    try:
        stage = bulk.Stage(conn, plan.targets)
        staged = stage.fill(run.blocks())
    except DBAPIError as exc:
        if savepoint is None or not bulk.refused_value(exc):
            raise
        savepoint.rollback()
        run.restart()
        stage = bulk.Stage(conn, plan.targets)
        return stage, stage.fill(run.blocks())
    if savepoint is not None:
        savepoint.commit()
    return stage, staged


def _merge(
    conn: Connection,
    run: LoadStream,
    stage: bulk.Stage,
    target: Table,
    result: UploadResult,
    *,
    trusted: bool,
) -> bool:
    """The set-based move; False when the table's unique index refused a repeated key (the
    key checks have then reported the rows)."""
    if run.state is not None:
        run.state.report(0.95, f"Writing {result.table}…")
    savepoint = conn.begin_nested() if trusted else None
    try:
        with bulk.cancel_watch(conn, run.state):
            counts = bulk.merge(conn, stage.table, target, run.plan.defn.mode, run.plan.keys)
    except DBAPIError as exc:
        if savepoint is None or not keys.refused_key(exc):
            raise
        savepoint.rollback()
        _key_checks(conn, run, stage, target, existed=True)
        return False
    if savepoint is not None:
        savepoint.commit()
    result.inserted, result.updated, result.deleted = (
        counts.inserted,
        counts.updated,
        counts.deleted,
    )
    return True


def _key_checks(
    conn: Connection, run: LoadStream, stage: bulk.Stage, target: Table, *, existed: bool
) -> None:
    names = run.plan.keys
    if not names:
        return
    if run.state is not None:
        run.state.report(READ_SHARE + 0.02, "Checking keys…")
    label = ", ".join(names)
    skipping = run.plan.defn.max_rejects > 0
    with bulk.cancel_watch(conn, run.state):
        for number, first, *values in keys.duplicate_keys(conn, stage.table, names):
            shown = _key_text(values)
            why = f"key {shown} repeats the key of row {stage.row_of(first):,}"
            run.bad([Issue(stage.row_of(number), label, shown, why)], None)
            if skipping:
                run.drop.append(number)
        if existed and run.plan.defn.mode == "APPEND":
            for number, *values in keys.existing_keys(conn, stage.table, target, names):
                shown = _key_text(values)
                why = f"key {shown} is already in the table (upsert would update that row)"
                run.bad([Issue(stage.row_of(number), label, shown, why)], None)
                if skipping:
                    run.drop.append(number)


def _key_text(values: list[object]) -> str:
    return ", ".join("" if v is None else str(v) for v in values)


def _invalid_message(run: LoadStream, table: str, limit: int) -> str:
    rows = f"{run.bad_rows:,} row{'s' if run.bad_rows != 1 else ''}"
    if limit:
        return (
            f"{rows} failed validation, more than the {limit:,} allowed: nothing was loaded "
            f"into {table}."
        )
    return f"{rows} failed validation: nothing was loaded into {table}."


def _success_message(result: UploadResult, run: LoadStream) -> str:
    parts = [f"{result.inserted:,} inserted"]
    if result.updated or result.mode == "UPSERT":
        parts.append(f"{result.updated:,} updated")
    if result.unchanged:
        parts.append(f"{result.unchanged:,} unchanged")
    if result.deleted:
        parts.append(f"{result.deleted:,} deleted first")
    text = (
        f"Loaded {result.loaded:,} rows into {result.table} ({', '.join(parts)}) "
        f"in {result.seconds:.1f} s."
    )
    if result.rejected:
        text += f" {result.rejected:,} bad rows skipped: see {result.rejects_file}."
    return text
