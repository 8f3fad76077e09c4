"""What the Uploads wizard does off the GUI thread (plain functions for the workers), and the
draft the wizard fills in step by step."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from dms_desktop.core.catalog import Catalog
from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import PermissionDenied
from dms_desktop.core.tasks import TaskCancelled, TaskState
from dms_desktop.core.uploads import (
    ColumnSpec,
    FileOptions,
    FileProfile,
    TargetColumn,
    UploadDef,
    UploadResult,
    UploadService,
    auto_map,
    create_table_ddl,
    describe_table,
    inspect_file,
    newest_file,
    propose_columns,
    run_upload,
    run_upload_definition,
)
from dms_desktop.core.uploads.model import DEFAULT_BATCH
from dms_desktop.core.uploads.target import resolve_table
from dms_desktop.gui.pages import PageContext


@dataclass
class Draft:
    """Everything the wizard has gathered so far."""

    path: str = ""
    options: FileOptions = field(default_factory=FileOptions)
    profile: FileProfile | None = None
    conid: int | None = None
    dialect: str = ""
    schema: str | None = None
    table: str = ""
    exists: bool = True  # False: the upload creates the table
    targets: list[TargetColumn] = field(default_factory=list)
    columns: list[ColumnSpec] = field(default_factory=list)  # grid rows (source None: skipped)
    mode: str = "APPEND"
    max_rejects: int = 0
    batch_rows: int = DEFAULT_BATCH
    name: str = ""  # of the definition the wizard started from, if any
    description: str | None = None
    upload_id: int | None = None
    pattern: str = ""  # the saved file pattern of that definition
    validation: UploadResult | None = None

    def definition(self) -> UploadDef:
        loaded = [c for c in self.columns if c.source or c.rule.constant is not None
                  or c.rule.default is not None]  # fmt: skip
        return UploadDef(
            name=self.name or Path(self.path).stem[:100] or "UPLOAD",
            conid=self.conid,
            table=self.table,
            schema=self.schema or None,
            columns=tuple(loaded),
            mode=self.mode,
            options=self.options,
            file=self.pattern or self.path,
            description=self.description,
            batch_rows=self.batch_rows,
            max_rejects=self.max_rejects,
            create_table=not self.exists,
            upload_id=self.upload_id,
        )

    def open(self, defn: UploadDef) -> None:
        """Start from a saved definition."""
        self.name, self.description, self.upload_id = defn.name, defn.description, defn.upload_id
        self.options, self.pattern = defn.options, defn.file
        self.conid, self.schema, self.table = defn.conid, defn.schema, defn.table
        self.mode, self.max_rejects, self.batch_rows = defn.mode, defn.max_rejects, defn.batch_rows
        self.columns = list(defn.columns)
        self.exists = not defn.create_table


def inspect(path: str, options: FileOptions, state: TaskState) -> FileProfile:
    return inspect_file(path, options, state)


def connections(context: PageContext) -> list[ConnectionDef]:
    try:
        return ConnectionService(context.ws, context.user).list_connections()
    except PermissionDenied:
        return []


def tables(context: PageContext, conid: int, schema: str | None) -> list[str]:
    engine, dialect = ConnectionService(context.ws, context.user).engine_and_dialect(conid)
    return [t.name for t in Catalog(engine, dialect).tables(schema or None) if t.kind == "table"]


@dataclass(frozen=True)
class TargetInfo:
    dialect: str
    table: str  # as stored (or as typed, for a new table)
    exists: bool
    targets: list[TargetColumn]
    columns: list[ColumnSpec]  # the suggested mapping


def describe(
    context: PageContext, conid: int, schema: str | None, table: str, profile: FileProfile
) -> TargetInfo:
    """The table's columns and the file mapped onto them (or a new table for the file)."""
    engine, dialect = ConnectionService(context.ws, context.user).engine_and_dialect(conid)
    stored = resolve_table(engine, schema or None, table)
    if stored is None:
        return TargetInfo(dialect, table, False, [], propose_columns(profile, dialect))
    targets = describe_table(engine, schema or None, stored)
    mapped = {c.target: c for c in auto_map(profile.columns, targets, profile.guesses)}
    rows = [
        mapped.get(t.name) or ColumnSpec(t.name, None, t.type_text, required=not t.nullable)
        for t in targets
    ]
    return TargetInfo(dialect, stored, True, targets, rows)


def ddl_text(table: str, schema: str | None, columns: list[ColumnSpec], dialect: str) -> str:
    loaded = [c for c in columns if c.source or c.rule.constant is not None]
    statements = create_table_ddl(table, schema, loaded, dialect)
    return ";\n\n".join(s.replace("\t", "    ") for s in statements) + ";"


def validate(context: PageContext, defn: UploadDef, path: str, state: TaskState) -> UploadResult:
    return run_upload(context.ws, context.user, defn, path, state, validate_only=True)


class LinkedState(TaskState):
    """The worker's state, also cancelled by ``stop``: Cancel then stops the load and its
    CANCELLED result still arrives (a cancelled Task would drop it)."""

    def __init__(self, outer: TaskState, stop: TaskState) -> None:
        super().__init__(outer.report)
        self._outer, self._stop = outer, stop

    @property
    def cancelled(self) -> bool:
        return self._stop.cancelled or self._outer.cancelled

    def check(self) -> None:
        if self.cancelled:
            raise TaskCancelled()


def load(
    context: PageContext, defn: UploadDef, path: str, stop: TaskState, state: TaskState
) -> UploadResult:
    return run_upload(context.ws, context.user, defn, path, LinkedState(state, stop))


def run_saved(context: PageContext, name: str, stop: TaskState, state: TaskState) -> UploadResult:
    return run_upload_definition(context.ws, context.user, name, None, LinkedState(state, stop))


def definitions(context: PageContext) -> list[UploadDef]:
    return UploadService(context.ws, context.user).list()


def newest(pattern: str) -> str:
    return str(newest_file(pattern)) if pattern else ""


def save_definition(context: PageContext, defn: UploadDef, name: str) -> UploadDef:
    service = UploadService(context.ws, context.user)
    if defn.name != name:
        defn = replace(defn, name=name, upload_id=None)
    return service.save(defn)


def delete_definition(context: PageContext, name: str) -> str:
    UploadService(context.ws, context.user).delete(name)
    return name


def copy_report(source: str, target: str) -> str:
    shutil.copyfile(source, target)
    return target
