"""Plan: the SQL a run executes, step by step, as stored in DMS_JOBFLW (read-only)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from dms_desktop.core.engine.plan import PlanText
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.mapper.host import MappingHost, message_label, read_only_sql, show_sql
from dms_desktop.gui.mapper.work import load_plan
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot


class PlanTab(QWidget):
    sig_loaded = Signal()

    def __init__(self, host: MappingHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planTab")
        self.host = host
        self.stale = True
        self.plan: PlanText | None = None
        self._task = TaskSlot()
        self.title = QLabel("", self)
        self.title.setObjectName("sectionTitle")
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.refresh_button)
        self.message = message_label(self)
        self.sql_view = read_only_sql(self, "planView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.sql_view, 1)

    def shown(self) -> None:
        if self.stale:
            self.refresh()

    def refresh(self) -> None:
        self.stale = False
        saved = self.host.saved()
        if saved is None:
            self.plan = None
            self.title.setText("No plan yet")
            show_sql(self.sql_view, "")
            set_message(self.message, "Save the mapping: the plan is compiled from a saved version.", "info")  # fmt: skip
            self.sig_loaded.emit()
            return
        self.title.setText(f"Compiling the plan of {saved.ref}…")
        context = self.host.context
        self._task.start(
            load_plan, context.ws, context.user, saved.ref, on_done=self._show,
            on_error=self._failed,
        )  # fmt: skip

    def _show(self, plan: PlanText) -> None:
        self.plan = plan
        steps = len(plan.steps)
        self.title.setText(
            f"Plan of {plan.ref}, version {plan.version}: {steps} step{'s' if steps != 1 else ''}"
        )
        show_sql(self.sql_view, plan.as_text())
        unsaved = self.host.is_dirty()
        set_message(
            self.message,
            "This is the plan of the saved version; unsaved changes are not in it."
            if unsaved
            else "",
            "info",
        )
        self.sig_loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self.plan = None
        self.title.setText("No plan")
        show_sql(self.sql_view, "")
        set_message(self.message, user_message(exc)[0])
        self.sig_loaded.emit()

    def cancel_tasks(self) -> None:
        self._task.cancel()
