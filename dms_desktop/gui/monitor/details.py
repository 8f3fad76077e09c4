"""The selected run in detail: its steps (SQL fetched on demand), its errors and its log."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.jobs.display import (
    count_text,
    duration_text,
    local_text,
    zone_of,
)
from dms_desktop.gui.monitor.model import status_of
from dms_desktop.gui.monitor.queries import RunDetails, RunRow, load_step_sql
from dms_desktop.gui.records import Column, RecordsModel, records_view, selected_row
from dms_desktop.gui.workers import TaskSlot


def _get(name: str) -> Any:
    return lambda r: r.get(name)


def step_columns(zone_name: str) -> list[Column]:
    zone = zone_of(zone_name)
    return [
        Column("Mapping", lambda r: str(r.get("mapref") or "")),
        Column("#", lambda r: str(r.get("stepseq") or ""), numeric=True),
        Column("Step", lambda r: str(r.get("stepnm") or "")),
        Column("Status", lambda r: str(r.get("status") or ""), status=True),
        Column("Started", lambda r: local_text(r.get("strtdt"), zone)[11:]),  # the run's day
        Column("Duration", lambda r: duration_text(r.get("strtdt"), r.get("enddt")), numeric=True),
        Column("Rows", lambda r: count_text(r.get("rowcnt")), numeric=True),
        Column("Message", lambda r: str(r.get("message") or "")),
    ]


def error_columns(zone_name: str) -> list[Column]:
    zone = zone_of(zone_name)
    return [
        Column("Mapping", lambda r: str(r.get("mapref") or "")),
        Column("Type", lambda r: str(r.get("errtyp") or "")),
        Column("Time", lambda r: local_text(r.get("reccrdt"), zone)),
        Column("Key", lambda r: str(r.get("errkey") or "")),
        Column("Column", lambda r: str(r.get("errcol") or "")),
        Column("Message", lambda r: str(r.get("errmsg") or ""), tooltip=_get("errmsg")),
    ]


def error_text(error: dict[str, Any]) -> str:
    """One error in full: where it happened, then the whole message."""
    where = " · ".join(
        f"{title} {error.get(key)}"
        for title, key in (("Mapping", "mapref"), ("Key", "errkey"), ("Column", "errcol"))
        if error.get(key)
    )
    return f"{where}\n\n{error.get('errmsg') or ''}" if where else str(error.get("errmsg") or "")


def log_text(run: RunRow, details: RunDetails, zone_name: str) -> str:
    """The run's story in plain lines: who asked, each mapping's outcome, the final word."""
    zone = zone_of(zone_name)
    lines = [
        f"Request {run.prcreqid} of job {run.job} ({run.trigger.lower()}), "
        f"run date {local_text(run.scheduled_for, zone)}",
        f"Requested {local_text(run.requested, zone)}; attempt {run.attempt} of "
        f"{run.max_attempts}; status {status_of(run)}",
    ]
    for log in details.logs:
        counts = ", ".join(
            f"{count_text(log.get(key))} {word}"
            for key, word in (
                ("srcrows", "read"),
                ("insrows", "inserted"),
                ("updrows", "updated"),
                ("exprows", "expired"),
                ("errrows", "rejected"),
            )
            if log.get(key)
        )
        lines.append("")
        lines.append(
            f"{log.get('mapref')}: {log.get('status')}  {local_text(log.get('strtdt'), zone)}"
            f" → {local_text(log.get('enddt'), zone) or '…'}"
            + (f"  on {log.get('worker')}" if log.get("worker") else "")
        )
        if counts:
            lines.append(f"  {counts}")
        if log.get("message"):
            lines.append(f"  {log.get('message')}")
    if run.message:
        lines += ["", f"Result: {run.message}"]
    return "\n".join(lines)


class RunDetailsPanel(QWidget):
    sig_sql_shown = Signal(str)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        zone = ws.settings.timezone
        self._sql_task = TaskSlot()
        self.run: RunRow | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Select a run to see its steps, errors and log.", self)
        self.title.setObjectName("sectionTitle")
        layout.addWidget(self.title)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)

        steps_tab = QWidget(self.tabs)
        steps_layout = QVBoxLayout(steps_tab)
        steps_layout.setContentsMargins(0, 6, 0, 0)
        self.steps_model = RecordsModel(
            step_columns(zone), key=lambda r: r["joblogid"], parent=self
        )
        self.steps_view = records_view(self.steps_model, steps_tab, "stepsView")
        for column, width in enumerate((130, 36, 230, 80, 76, 70, 80)):
            self.steps_view.setColumnWidth(column, width)
        self.steps_view.selectionModel().selectionChanged.connect(lambda *_a: self._step_chosen())
        self.steps_view.doubleClicked.connect(lambda _i: self.show_sql())
        sql_bar = QHBoxLayout()
        self.sql_button = QPushButton("Show SQL", steps_tab)
        self.sql_button.setToolTip("The statement this step ran (double-click a step)")
        self.sql_button.clicked.connect(self.show_sql)
        sql_bar.addWidget(self.sql_button)
        sql_bar.addStretch(1)
        self.sql_view = QPlainTextEdit(steps_tab)
        self.sql_view.setObjectName("stepSqlView")
        self.sql_view.setReadOnly(True)
        self.sql_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.sql_view.hide()
        split = QSplitter(Qt.Orientation.Horizontal, steps_tab)
        split.addWidget(self.steps_view)
        split.addWidget(self.sql_view)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        steps_layout.addWidget(split, 1)
        steps_layout.addLayout(sql_bar)
        self.tabs.addTab(steps_tab, "Steps")

        self.errors_model = RecordsModel(error_columns(zone), parent=self)
        errors_split = QSplitter(Qt.Orientation.Vertical, self.tabs)
        self.errors_view = records_view(self.errors_model, errors_split, "errorsView")
        for column, width in enumerate((130, 80, 150, 140, 110)):
            self.errors_view.setColumnWidth(column, width)
        self.errors_view.selectionModel().selectionChanged.connect(lambda *_a: self._error_chosen())
        # A message is often longer than its cell: the selected one is shown whole below.
        self.error_text = QPlainTextEdit(errors_split)
        self.error_text.setObjectName("errorMessageView")
        self.error_text.setReadOnly(True)
        self.error_text.setPlaceholderText("Select an error to read its whole message.")
        errors_split.addWidget(self.errors_view)
        errors_split.addWidget(self.error_text)
        errors_split.setStretchFactor(0, 3)
        errors_split.setStretchFactor(1, 2)
        self.tabs.addTab(errors_split, "Errors")

        self.log_view = QPlainTextEdit(self.tabs)
        self.log_view.setObjectName("runLogView")
        self.log_view.setReadOnly(True)
        self.tabs.addTab(self.log_view, "Log")
        self._step_chosen()

    def clear(self) -> None:
        self.run = None
        self.title.setText("Select a run to see its steps, errors and log.")
        self.steps_model.set_rows([])
        self.errors_model.set_rows([])
        self.error_text.clear()
        self.log_view.clear()
        self.sql_view.hide()
        self._step_chosen()

    def show_details(self, run: RunRow, details: RunDetails) -> None:
        same = self.run is not None and self.run.prcreqid == run.prcreqid
        self.run = run
        self.title.setText(f"Run {run.prcreqid}: {run.job} · {status_of(run)}")
        self.steps_model.set_rows(details.steps)
        self.errors_model.set_rows(details.errors)
        if details.errors and selected_row(self.errors_view) is None:
            self.errors_view.selectRow(0)
        self._error_chosen()
        self.tabs.setTabText(1, f"Errors ({len(details.errors)})" if details.errors else "Errors")
        text = log_text(run, details, self.ws.settings.timezone)
        if self.log_view.toPlainText() != text:
            self.log_view.setPlainText(text)
        if not same:
            self.sql_view.hide()
        self._step_chosen()

    def _error_chosen(self) -> None:
        error = selected_row(self.errors_view)
        text = error_text(error) if error else ""
        if self.error_text.toPlainText() != text:
            self.error_text.setPlainText(text)

    def _step_chosen(self) -> None:
        step = selected_row(self.steps_view)
        self.sql_button.setEnabled(bool(step and step.get("has_sql")))

    def show_sql(self) -> None:
        step = selected_row(self.steps_view)
        if not step or not step.get("has_sql"):
            return
        self.sql_view.setPlainText("Loading…")
        self.sql_view.show()
        self._sql_task.start(
            load_step_sql,
            self.ws,
            step["joblogid"],
            on_done=self._sql_loaded,
            on_error=lambda exc: self.sql_view.setPlainText(user_message(exc)[0]),
        )

    def _sql_loaded(self, sql: str) -> None:
        self.sql_view.setPlainText(sql)
        self.sig_sql_shown.emit(sql)

    def cancel_tasks(self) -> None:
        self._sql_task.cancel()
