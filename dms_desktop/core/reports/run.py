"""Run a report: a preview stream for a grid, an export to CSV/XLSX/PDF, a scheduled file.

Every entry point is a plain function safe to call from a worker thread; long ones take a
``TaskState`` for progress and cancel (the Orange3 pattern). Rows stream from a server-side
cursor (``QueryRun``) into the file a page at a time, written under a temporary name and
renamed at the end: a failure or a cancel leaves nothing half-written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dms_desktop.core import clock
from dms_desktop.core.admin.config import setting
from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.reports.builtin import EXTRA_PERMISSION
from dms_desktop.core.reports.formats import OutputColumn, output_columns
from dms_desktop.core.reports.model import DEFAULT_PATTERN, FORMATS, ReportDef, bind_names
from dms_desktop.core.reports.params import bind_values, display_value, resolve_params
from dms_desktop.core.reports.render_pdf import PdfReportSink, PdfTexts
from dms_desktop.core.reports.render_xlsx import XlsxReportSink
from dms_desktop.core.reports.service import ReportService, metadata_dialect
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.sqlstore.describe import backend_of
from dms_desktop.core.sqlstore.export import (
    FETCH_ROWS,
    CsvSink,
    ExportResult,
    Sink,
    stream_run,
    write_atomically,
)
from dms_desktop.core.sqlstore.runner import QueryRun
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.workspace import Workspace

PREVIEW_ROWS = 500


class ReportRun:
    """A started report query: ``fetch`` pages for a lazy grid, then ``close``.

    ``columns`` (titles, formats; ``OutputColumn.text(value)`` gives the cell text the PDF
    shows) are known once ``start`` returned. ``cancel`` may be called from any thread.
    """

    def __init__(self, definition: ReportDef, values: dict[str, Any], run: QueryRun) -> None:
        self.definition = definition
        self.values = values
        self.query = run
        self.columns: list[OutputColumn] = []

    def start(self, state: TaskState | None = None) -> None:
        if state is not None:
            state.report(-1, f"Running {self.definition.name}…")
        self.query.start()
        self.columns = output_columns(self.definition, [c.name for c in self.query.columns])

    def fetch(self, n: int | None = None) -> list[tuple[Any, ...]]:
        return self.query.fetch(n)

    @property
    def exhausted(self) -> bool:
        return self.query.exhausted

    def cancel(self) -> None:
        self.query.cancel()

    def close(self) -> None:
        self.query.close()

    def __enter__(self) -> ReportRun:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _definition(ws: Workspace, actor: CurrentUser, report: str | ReportDef) -> ReportDef:
    actor.require("reports", "view")
    if isinstance(report, ReportDef):
        extra = EXTRA_PERMISSION.get(report.name) if report.builtin else None
        if extra is not None:
            actor.require(*extra)
        if not report.builtin and report.conid is None:
            # An unsaved definition is arbitrary SQL: on the metadata database (accounts,
            # secrets) only administrators may run it, as only they may save one.
            actor.require("admin", "view")
        return report
    return ReportService(ws, actor).get(report)


def _source(ws: Workspace, actor: CurrentUser, defn: ReportDef) -> tuple[Engine, str]:
    if defn.conid is None:
        return ws.engine, metadata_dialect(ws)
    from dms_desktop.core.connections.service import ConnectionService

    return ConnectionService(ws, actor).engine_and_dialect(defn.conid)


def _query(
    ws: Workspace,
    actor: CurrentUser,
    defn: ReportDef,
    values: dict[str, Any],
    fetch_size: int,
) -> QueryRun:
    engine, dialect = _source(ws, actor, defn)
    binds = {b.lower() for b in bind_names(defn.sql)}
    used = {k: v for k, v in values.items() if k.lower() in binds}
    params = bind_values(backend_of(engine), used) if binds else None
    return QueryRun(engine, dialect, defn.sql, fetch_size=fetch_size, params=params)


def run_report(
    ws: Workspace,
    actor: CurrentUser,
    report: str | ReportDef,
    params: Mapping[str, Any] | None = None,
    state: TaskState | None = None,
    *,
    fetch_size: int = PREVIEW_ROWS,
    today: date | None = None,
) -> ReportRun:
    """Validate the parameters and start the report's query; the caller fetches and closes.

    ``report`` is a name or a definition (an unsaved one being edited, for its preview).
    Raises ``ParameterError`` (with ``problems`` per parameter) or ``SqlError``.
    """
    defn = _definition(ws, actor, report)
    values = resolve_params(defn, params, today or local_today(ws))
    run = ReportRun(defn, values, _query(ws, actor, defn, values, fetch_size))
    try:
        run.start(state)
    except BaseException:
        run.close()
        raise
    return run


def local_today(ws: Workspace, when: datetime | None = None) -> date:
    """The date in DMS_TIMEZONE at ``when`` (naive UTC; default now)."""
    when = when or clock.utcnow()
    offset = ZoneInfo(ws.settings.timezone).utcoffset(when) or timedelta(0)
    return (when + offset).date()


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str | None, values: Mapping[str, Any]) -> str:
    """``{param}`` placeholders filled in; text with stray braces is left as it is."""
    if not text:
        return ""
    try:
        return text.format_map(_Placeholders({k: display_value(v) for k, v in values.items()}))
    except (ValueError, IndexError, AttributeError):
        return text


def export_report(
    ws: Workspace,
    actor: CurrentUser,
    report: str | ReportDef,
    params: Mapping[str, Any] | None,
    fmt: str,
    path: Path | str,
    state: TaskState | None = None,
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> ExportResult:
    """Run the report and write every row to ``path`` as csv, xlsx or pdf."""
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValidationError(f"Export a report to csv, xlsx or pdf, not '{fmt}'.")
    path = Path(path)
    defn = _definition(ws, actor, report)
    actor.require("reports", "export")
    values = resolve_params(defn, params, today or local_today(ws))
    _check_folder(path.parent)
    logo = _logo(defn)
    now = now or clock.utcnow()
    texts = {
        **{k: display_value(v) for k, v in values.items()},
        "report": defn.name,
        "generated": f"{now:%Y-%m-%d %H:%M} UTC",
    }
    title = fill(defn.template.title, texts) or defn.name

    def layout(names: Sequence[str]) -> list[OutputColumn]:
        return output_columns(defn, names)

    def titles(columns: Sequence[Any]) -> list[str]:
        return [c.title for c in output_columns(defn, [c.name for c in columns])]

    def write(temp: Path) -> int:
        run = _query(ws, actor, defn, values, FETCH_ROWS)
        sink: Sink
        if fmt == "csv":
            return stream_run(run, CsvSink(temp), state, header=titles)
        if fmt == "xlsx":
            about = [
                ("Report", title),
                ("Description", defn.description or ""),
                *[(p.title, display_value(values.get(p.name))) for p in defn.params],
                ("Generated", texts["generated"]),
                ("By", actor.username),
            ]
            sink = XlsxReportSink(temp, layout, about, title)
        else:
            pdf_texts = PdfTexts(
                title=title,
                subtitle=fill(defn.template.subtitle, texts),
                header=fill(defn.template.header, texts),
                footer=fill(defn.template.footer, texts) or f"{defn.name} · {texts['generated']}",
                logo=logo,
                page_numbers=defn.template.page_numbers,
                landscape=defn.template.orientation == "landscape",
            )
            sink = PdfReportSink(temp, layout, pdf_texts)
        return stream_run(run, sink, state)

    return write_atomically(path, write)


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise ValidationError(f"Folder {folder} does not exist: choose another one.")
    if not os.access(folder, os.W_OK):
        raise DmsError(f"Cannot write to folder {folder}: permission denied. Choose another one.")


def _logo(defn: ReportDef) -> Path | None:
    if not defn.template.logo:
        return None
    logo = Path(defn.template.logo).expanduser()
    if not logo.is_file():
        raise ValidationError(
            f"The logo {logo} of report {defn.name} does not exist: fix the template."
        )
    if logo.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ValidationError(f"The logo {logo} is not a PNG or JPEG image.")
    return logo


def scheduled_path(defn: ReportDef, when: datetime, local: date | None = None) -> Path:
    """Where a scheduled run at ``when`` writes: output folder / file name pattern."""
    if not defn.output_folder or not defn.output_format:
        raise ValidationError(
            f"Report {defn.name} has no output folder or format: set them to schedule it."
        )
    fmt = defn.output_format
    pattern = defn.file_pattern or DEFAULT_PATTERN.replace("{ext}", fmt)
    day = local or when.date()
    name = pattern.format(
        report=defn.name,
        date=day.isoformat(),
        time=f"{when:%H%M}",
        datetime=f"{day:%Y%m%d}_{when:%H%M}",
        ext=fmt,
    )
    if not name.lower().endswith("." + fmt):
        name += "." + fmt
    return Path(defn.output_folder).expanduser() / name


def render_scheduled(
    ws: Workspace,
    actor: CurrentUser,
    name: str,
    when: datetime,
    state: TaskState | None = None,
) -> Path:
    """The scheduler's hook for a report job: render ``name`` as of the firing ``when``.

    A definition without an output folder of its own writes to REPORTS.OUTPUT_FOLDER.
    Parameters take their defaults, relative dates counted from the local date of ``when``
    (naive UTC); the file goes to the definition's output folder (created if missing) under
    its file name pattern, replacing a file of the same name. Returns the file written.
    """
    defn = ReportService(ws, actor).get(name)
    if not defn.output_folder:  # the workspace-wide default folder (System configuration)
        default = setting(ws, "REPORTS.OUTPUT_FOLDER")
        if default:
            defn = replace(defn, output_folder=str(default))
    local = local_today(ws, when)
    target = scheduled_path(defn, when, local)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DmsError(f"Cannot create folder {target.parent}: {exc.strerror or exc}.") from exc
    assert defn.output_format is not None
    export_report(ws, actor, defn, {}, defn.output_format, target, state, today=local, now=when)
    return target
