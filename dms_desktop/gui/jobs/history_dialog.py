"""History of one job: its requests (run now, schedule, dependency) and how they ended."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from dms_desktop.gui.errors import user_message
from dms_desktop.gui.jobs.display import count_text, local_text, request_status, zone_of
from dms_desktop.gui.jobs.work import job_history
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.records import Column, RecordsModel, records_view
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot


def history_columns(zone_name: str) -> list[Column]:
    zone = zone_of(zone_name)

    def when(name: str) -> Any:
        return lambda r: local_text(r.get(name), zone)

    return [
        Column("Request", lambda r: str(r["prcreqid"]), numeric=True),
        Column("Trigger", lambda r: str(r.get("reqtyp") or "")),
        Column("Run date", when("scheduled_for")),
        Column("Status", lambda r: request_status(r.get("status"), r.get("message")), status=True),
        Column("Attempt", lambda r: str(r.get("attempt") or 0), numeric=True),
        Column("Finished", when("finished_at")),
        Column("Inserted", lambda r: count_text(r.get("insrows")), numeric=True),
        Column("Updated", lambda r: count_text(r.get("updrows")), numeric=True),
        Column("Message", lambda r: str(r.get("message") or "")),
    ]


class HistoryDialog(QDialog):
    def __init__(self, context: PageContext, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle(f"History of {name}")
        self._task = TaskSlot()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        caption = QLabel(
            f"The last runs of {name}, newest first (times in {context.ws.settings.timezone})", self
        )
        caption.setObjectName("mutedLabel")
        self.model = RecordsModel(history_columns(context.ws.settings.timezone), parent=self)
        self.view = records_view(self.model, self, "historyView")
        for column, width in enumerate((70, 90, 150, 90, 60, 150, 80, 80)):
            self.view.setColumnWidth(column, width)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "Loading…", "info")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        for widget in (caption, self.message, self.view, buttons):
            layout.addWidget(widget)
        self.resize(1000, 460)
        self._task.start(
            job_history,
            context.ws,
            context.user,
            name,
            on_done=self._show,
            on_error=lambda exc: set_message(self.message, user_message(exc)[0]),
        )

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.model.set_rows(rows)
        set_message(self.message, "" if rows else "This job has not run yet.", "info")

    def done(self, result: int) -> None:
        self._task.cancel()
        super().done(result)
