"""DDL: the CREATE TABLE of the target, or the ALTERs that make an existing table fit.

Destructive differences (a dropped, narrowed or re-typed column) are listed apart and never
applied. "Create / alter target table" asks first, then applies the saved mapping's DDL in a
worker (one transaction where the database allows it).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from dms_desktop.core.mapping.ddl import DdlPlan
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.mapper.host import MappingHost, message_label, read_only_sql, show_sql
from dms_desktop.gui.mapper.work import DdlView, apply_target_ddl, target_ddl_view
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot


def statements_text(statements: list[str]) -> str:
    return "\n\n".join(f"{s.strip()};" for s in statements)


class DdlTab(QWidget):
    sig_loaded = Signal()  # the DDL (or why there is none) is shown
    sig_applied = Signal(object)  # the DdlPlan that ran

    def __init__(self, host: MappingHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ddlTab")
        self.host = host
        self.stale = True
        self.view_data: DdlView | None = None
        self.dialog: QMessageBox | None = None
        self._task = TaskSlot()
        self._apply = TaskSlot()
        self._note = ""  # what the last apply did, shown above the refreshed DDL

        self.title = QLabel("", self)
        self.title.setObjectName("sectionTitle")
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        self.apply_button = QPushButton("Create / alter target table…", self)
        self.apply_button.setProperty("primary", True)
        self.apply_button.clicked.connect(self.ask_apply)
        self.can_apply = host.context.user.can("mapper", "edit")
        if not self.can_apply:
            self.apply_button.setToolTip("Your role may not change target tables")
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.apply_button)
        self.message = message_label(self)
        self.destructive = message_label(self)
        self.destructive.setObjectName("destructiveLabel")
        self.sql_view = read_only_sql(self, "ddlView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.destructive)
        layout.addWidget(self.sql_view, 1)
        self._update_buttons()

    def shown(self) -> None:
        if self.stale:
            self.refresh()

    def refresh(self) -> None:
        self.stale = False
        self.title.setText("Reading the target…")
        context = self.host.context
        self._task.start(
            target_ddl_view,
            context.ws,
            context.user,
            self.host.draft(),
            on_done=self._show,
            on_error=self._failed,
        )
        self._update_buttons()

    def _show(self, view: DdlView) -> None:
        self.view_data = view
        plan = view.plan
        if not plan.exists:
            self.title.setText(f"CREATE TABLE {view.table} on {view.where}")
        elif plan.statements:
            self.title.setText(f"{view.table} exists on {view.where}: ALTER to fit the mapping")
        else:
            self.title.setText(f"{view.table} on {view.where} fits the mapping")
        text = statements_text(plan.statements) if plan.statements else "-- Nothing to change."
        show_sql(self.sql_view, text)
        unsaved = (
            "The DDL shows unsaved changes: save before applying." if self.host.is_dirty() else ""
        )
        note = " ".join(p for p in (self._note, *plan.notes, unsaved) if p)
        self._note = ""
        set_message(self.message, note, "info")
        if plan.destructive:
            lines = "".join(f"<li>{escape(d)}</li>" for d in plan.destructive)
            self.destructive.setText(
                f"<b>Not applied (destructive; change these by hand):</b><ul>{lines}</ul>"
            )
            set_message(self.destructive, self.destructive.text(), "error")
        else:
            set_message(self.destructive, "")
        self._update_buttons()
        self.sig_loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self.view_data = None
        self.title.setText("No DDL")
        show_sql(self.sql_view, "")
        set_message(self.message, user_message(exc)[0])
        set_message(self.destructive, "")
        self._update_buttons()
        self.sig_loaded.emit()

    def _update_buttons(self) -> None:
        plan = self.view_data.plan if self.view_data is not None else None
        ready = plan is not None and bool(plan.statements)
        self.apply_button.setEnabled(self.can_apply and ready and not self._apply.busy)
        self.refresh_button.setEnabled(not self._task.busy)

    # -- applying -------------------------------------------------------------------------
    def ask_apply(self) -> None:
        self.host.then_saved(self._confirm, "Creating the target table")

    def _confirm(self) -> None:
        view = self.view_data
        if view is None:
            return
        verb = "Alter" if view.plan.exists else "Create"
        count = len(view.plan.statements)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            f"{verb} target table",
            f"{verb} {view.table} on {view.where}?\n\n{count} statement"
            f"{'s' if count != 1 else ''} will run; the DDL tab shows them.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("applyDdlBox")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(self.apply)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.open()

    def apply(self) -> None:
        saved = self.host.saved()
        if saved is None:
            return
        context = self.host.context
        set_message(self.message, "Applying the DDL…", "info")
        self._apply.start(
            apply_target_ddl,
            context.ws,
            context.user,
            saved,
            on_done=self._applied,
            on_error=self._apply_failed,
        )
        self._update_buttons()

    def _applied(self, plan: DdlPlan) -> None:
        count = len(plan.statements)
        self._note = f"Applied {count} statement{'s' if count != 1 else ''} to the target."
        self.sig_applied.emit(plan)
        self.refresh()

    def _apply_failed(self, exc: BaseException) -> None:
        set_message(self.message, user_message(exc)[0])
        self._update_buttons()

    def cancel_tasks(self) -> None:
        self._task.cancel()
