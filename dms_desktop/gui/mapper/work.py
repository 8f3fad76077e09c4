"""What the mapper does off the GUI thread: plain functions over the core, no Qt.

Each runs in a worker (``gui.workers``) and returns plain objects the widgets show. Keeping
them here, apart from the widgets, keeps the database work in one place and easy to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.engine.plan import PlanText, stored_plan
from dms_desktop.core.engine.run import RunResult, run_mapping
from dms_desktop.core.errors import AlreadyExists, NotFound, ValidationError
from dms_desktop.core.mapping.ddl import DdlPlan, alter_ddl, apply_ddl
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.names import PLAIN, dialect_label
from dms_desktop.core.mapping.preview import PreviewSource, preview_query
from dms_desktop.core.mapping.repository import MappingService, diff_mappings
from dms_desktop.core.mapping.spec import export_mappings, import_file, parse_file
from dms_desktop.core.mapping.types import suggest_type
from dms_desktop.core.mapping.validate import MappingProblem, validate_mapping
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.describe import ResultColumn
from dms_desktop.core.sqlstore.runner import QueryRun
from dms_desktop.core.sqlstore.service import ManagedSql, SqlService
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.sql.execution import RunHandle

PREVIEW_PAGE = 200


def new_mapping() -> Mapping:
    return Mapping(ref="", table_name="", table_type="DIMENSION")


# -- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """What the list and the editors choose from."""

    mappings: list[Mapping]
    connections: list[ConnectionDef]


def load_catalogue(ws: Workspace, user: CurrentUser) -> Catalogue:
    return Catalogue(
        MappingService(ws, user).list_mappings(),
        ConnectionService(ws, user).list_connections(),
    )


def copy_mapping(ws: Workspace, user: CurrentUser, ref: str, new_ref: str) -> Mapping:
    return MappingService(ws, user).copy(ref, new_ref)


def delete_mapping(ws: Workspace, user: CurrentUser, ref: str) -> None:
    MappingService(ws, user).delete(ref)


@dataclass(frozen=True)
class ImportCheck:
    refs: list[str]
    existing: list[str]  # of those, the ones already in the workspace


def check_import(ws: Workspace, user: CurrentUser, path: Path) -> ImportCheck:
    """Read and check the whole file (a bad file raises ``SpecError`` naming the places)."""
    refs = [doc.mapping.ref for doc in parse_file(ws, user, path)]
    current = {m.ref.upper() for m in MappingService(ws, user).list_mappings()}
    return ImportCheck(refs, [r for r in refs if r.upper() in current])


def import_mappings(ws: Workspace, user: CurrentUser, path: Path, replace: bool) -> list[str]:
    return [m.ref for m in import_file(ws, user, path, replace=replace)]


def export_to(ws: Workspace, user: CurrentUser, refs: list[str], path: Path) -> Path:
    return export_mappings(ws, user, refs, path)


# -- one mapping --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditorData:
    mapping: Mapping
    connections: list[ConnectionDef]
    queries: list[ManagedSql]


def load_editor(ws: Workspace, user: CurrentUser, ref: str | None) -> EditorData:
    mapping = MappingService(ws, user).get(ref) if ref else new_mapping()
    queries = SqlService(ws, user).list() if user.can("sql", "view") else []
    return EditorData(mapping, ConnectionService(ws, user).list_connections(), queries)


def save_mapping(ws: Workspace, user: CurrentUser, mapping: Mapping) -> Mapping:
    """Save a new version; a new mapping may not take an existing reference, an edited one
    may not overwrite a version someone saved meanwhile."""
    service = MappingService(ws, user)
    if mapping.mapid is None:
        try:
            found = service.get(mapping.ref) if mapping.ref else None
        except NotFound:
            found = None
        if found is not None:
            raise AlreadyExists(
                f"Mapping {found.ref} exists already: choose another reference, or open it."
            )
        return service.save(mapping, expect_version=0)
    return service.save(mapping, expect_version=mapping.version)


def validate_draft(
    ws: Workspace, user: CurrentUser, mapping: Mapping, record: bool
) -> list[MappingProblem]:
    return validate_mapping(ws, user, mapping, record=record)


def describe_source(ws: Workspace, user: CurrentUser, code: str) -> list[ResultColumn]:
    """The described columns of a managed query (described now when not cached)."""
    service = SqlService(ws, user)
    managed = service.get(code)
    if managed.verified and managed.columns:
        return list(managed.columns)
    result = service.validate(code)
    if not result.ok:
        first = result.problems[0] if result.problems else "it does not validate"
        raise ValidationError(f"SQL {code} is not valid ({first}): fix it in the SQL module.")
    return list(result.columns)


def generated_columns(
    source: list[ResultColumn],
    dialect: str,
    table_type: str,
    existing: set[str],
    first_seq: int,
) -> list[MappingColumn]:
    """One column per described source column not in the grid yet: the type suggested for
    the target's database, the logic naming the source column; SCD 1 in a dimension."""
    out: list[MappingColumn] = []
    for described in source:
        plain = bool(PLAIN.match(described.name))
        name = described.name.upper() if plain else re.sub(r"\W+", "_", described.name).strip("_")
        if not name or name.upper() in existing:
            continue
        existing.add(name.upper())
        logic = described.name if plain else '"' + described.name.replace('"', '""') + '"'
        out.append(
            MappingColumn(
                name=name.upper(),
                data_type=suggest_type(described.type, dialect),
                logic=logic,
                scd_type="1" if table_type == "DIMENSION" else None,
                exec_seq=first_seq + len(out),
            )
        )
    return out


# -- tabs ---------------------------------------------------------------------------------------


@dataclass
class PreviewOutcome:
    run: QueryRun
    rows: list[tuple[object, ...]]
    source: PreviewSource
    more: bool  # rows are left to fetch as the user scrolls


def open_preview(
    ws: Workspace, user: CurrentUser, mapping: Mapping, rows: int, handle: RunHandle
) -> PreviewOutcome:
    run, source = preview_query(ws, user, mapping, rows)
    try:
        handle.attach(run)
        run.start()
        first = run.fetch(min(rows, PREVIEW_PAGE))
        more = len(first) < rows and not run.exhausted
        if not more:  # the query's LIMIT is reached: nothing left worth a connection
            run.close()
    except BaseException:
        run.close()
        raise
    return PreviewOutcome(run, first, source, more)


@dataclass(frozen=True)
class DdlView:
    plan: DdlPlan
    connection: str
    dialect: str
    table: str

    @property
    def where(self) -> str:
        return f"{self.connection} ({dialect_label(self.dialect)})"


def target_ddl_view(ws: Workspace, user: CurrentUser, mapping: Mapping) -> DdlView:
    if mapping.target_conid is None:
        raise ValidationError("Choose the target connection: the DDL depends on its database.")
    connections = ConnectionService(ws, user)
    defn = connections.get(mapping.target_conid)
    plan = alter_ddl(mapping, connections.engine(mapping.target_conid), defn.dialect)
    table = ".".join(p for p in (mapping.target_schema, mapping.table_name) if p)
    return DdlView(plan, defn.name, defn.dialect, table)


def apply_target_ddl(ws: Workspace, user: CurrentUser, mapping: Mapping) -> DdlPlan:
    return apply_ddl(ws, user, mapping)


def load_versions(ws: Workspace, user: CurrentUser, ref: str) -> list[Mapping]:
    return MappingService(ws, user).versions(ref)


def version_diff(ws: Workspace, user: CurrentUser, ref: str, old: int, new: int) -> list[str]:
    service = MappingService(ws, user)
    return diff_mappings(service.get(ref, old), service.get(ref, new))


def restore_version(ws: Workspace, user: CurrentUser, ref: str, version: int) -> Mapping:
    return MappingService(ws, user).restore(ref, version)


def load_plan(ws: Workspace, user: CurrentUser, ref: str) -> PlanText:
    return stored_plan(ws, user, ref)


@dataclass
class RunControl:
    """Cancel for a run whose result must still arrive (a cancelled run reports CANCELLED):
    the worker's own state is left alone, this one is passed to the engine."""

    state: TaskState = field(default_factory=TaskState)

    def cancel(self) -> None:
        self.state.cancel()


def run_now(
    ws: Workspace, user: CurrentUser, ref: str, control: RunControl, state: TaskState
) -> RunResult:
    control.state.set_callback(state.report)
    return run_mapping(ws, user, ref, control.state)


def with_ids(columns: list[MappingColumn], saved: Mapping) -> None:
    """Give the grid's columns the detail ids of the version just saved (by name)."""
    ids = {c.name.upper(): c.mapdtlid for c in saved.columns}
    for column in columns:
        column.mapdtlid = ids.get((column.name or "").upper())


def draft_copy(mapping: Mapping, columns: list[MappingColumn]) -> Mapping:
    """A snapshot for a worker: the editor keeps editing its own objects meanwhile."""
    return replace(mapping, columns=[replace(c) for c in columns])
