"""What the Reports page does off the GUI thread: plain functions for the workers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dms_desktop.core.errors import PermissionDenied
from dms_desktop.core.reports import ReportDef, ReportRun, ReportService, export_report, run_report
from dms_desktop.core.reports.service import metadata_dialect
from dms_desktop.core.sqlstore.export import ExportResult
from dms_desktop.core.tasks import TaskState
from dms_desktop.gui.pages import PageContext

PREVIEW_PAGE = 500


@dataclass(frozen=True)
class Catalog:
    """The report definitions and the connections a report may read."""

    reports: list[ReportDef]
    connections: list[tuple[int, str, str]]  # (conid, name, sqlglot dialect)
    metadata_dialect: str


def load_catalog(context: PageContext) -> Catalog:
    reports = ReportService(context.ws, context.user).list()
    connections: list[tuple[int, str, str]] = []
    if context.user.can("connections", "view"):
        from dms_desktop.core.connections.service import ConnectionService

        try:
            found = ConnectionService(context.ws, context.user).list_connections()
        except PermissionDenied:
            found = []
        connections = [(c.conid, c.name, c.dialect) for c in found if c.conid is not None]
    return Catalog(reports, connections, metadata_dialect(context.ws))


def save_report(context: PageContext, defn: ReportDef, base_version: int | None) -> ReportDef:
    return ReportService(context.ws, context.user).save(defn, base_version=base_version)


def delete_report(context: PageContext, name: str) -> str:
    ReportService(context.ws, context.user).delete(name)
    return name


@dataclass
class Preview:
    """A started report with its first page of rows."""

    run: ReportRun
    rows: list[tuple[Any, ...]]
    given: dict[str, Any]  # the parameter values as entered (the export runs with them)


def start_preview(
    context: PageContext, defn: ReportDef, given: Mapping[str, Any], state: TaskState
) -> Preview:
    run = run_report(context.ws, context.user, defn, given, state, fetch_size=PREVIEW_PAGE)
    try:
        rows = run.fetch(PREVIEW_PAGE)
    except BaseException:
        run.close()
        raise
    if state.cancelled:
        run.close()
    return Preview(run, rows, dict(given))


def export_preview(
    context: PageContext,
    defn: ReportDef,
    given: Mapping[str, Any],
    fmt: str,
    path: Path,
    state: TaskState,
) -> ExportResult:
    return export_report(context.ws, context.user, defn, given, fmt, path, state)
