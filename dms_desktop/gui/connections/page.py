"""Connections: the source and target databases (DMS_DBCONDTLS), created, edited and tested."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService, TestResult
from dms_desktop.gui.connections.dialog import ConnectionDialog
from dms_desktop.gui.connections.model import ConnectionsModel
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.resources import icon
from dms_desktop.gui.widgets import PageHeader, empty_state, refresh_shortcut, set_message
from dms_desktop.gui.workers import TaskSlot


def list_connections(context: PageContext) -> list[ConnectionDef]:
    return ConnectionService(context.ws, context.user).list_connections()


def copy_connection(context: PageContext, conid: int, name: str) -> ConnectionDef:
    return ConnectionService(context.ws, context.user).copy(conid, name)


def delete_connection(context: PageContext, conid: int) -> None:
    ConnectionService(context.ws, context.user).delete(conid)


def test_connection(context: PageContext, conid: int) -> TestResult:
    return ConnectionService(context.ws, context.user).test(conid)


class ConnectionsPage(QWidget):
    sig_loaded = Signal()  # the list shows what the database holds (tests wait on it)
    sig_action_done = Signal(str)  # copy, delete or test finished: the message shown

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self._list_task = TaskSlot()
        self._action_task = TaskSlot()
        self._select_after: str | None = None
        self.dialog: QWidget | None = None
        user = context.user

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(14)
        header = PageHeader(
            "Connections",
            "Source and target databases; passwords are stored encrypted, never in clear",
            self,
        )
        layout.addWidget(header)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.new_button = self._button("New…", "Create a connection", self.new_connection)
        self.edit_button = self._button("Edit…", "Edit the selected connection", self.edit)
        self.copy_button = self._button("Copy…", "Copy it under a new name", self.copy)
        self.delete_button = self._button("Delete", "Delete the selected connection", self.delete)
        self.test_button = self._button("Test", "Connect once and report", self.test)
        self.refresh_button = self._button("Refresh", "Reload the list (F5)", self.refresh)
        self.refresh_button.setIcon(icon("refresh"))
        for button in (self.new_button, self.edit_button, self.copy_button, self.delete_button):
            bar.addWidget(button)
        bar.addSpacing(12)
        bar.addWidget(self.test_button)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        self.allowed = {
            self.new_button: user.can("connections", "create"),
            self.copy_button: user.can("connections", "create"),
            self.edit_button: user.can("connections", "edit"),
            self.delete_button: user.can("connections", "delete"),
            self.test_button: True,
        }
        for button, allowed in self.allowed.items():
            if not allowed:
                button.setToolTip("Your role does not allow this")

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_message(self.message, "")
        layout.addWidget(self.message)

        self.model = ConnectionsModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("connectionsView")
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(30)
        header_view = self.view.horizontalHeader()
        header_view.setHighlightSections(False)
        header_view.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header_view.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 180), (1, 140), (2, 380), (4, 90)):
            self.view.setColumnWidth(column, width)
        self.view.doubleClicked.connect(lambda _index: self.edit())
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.empty_label = empty_state(
            "No connection yet. Create one with New…: PostgreSQL, Oracle, MariaDB/MySQL or SQLite.",
            self,
        )
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label, 1)
        refresh_shortcut(self, self.refresh)
        self._loaded_once = False
        self._update_buttons()

    def _button(self, text: str, tip: str, slot) -> QPushButton:  # type: ignore[no-untyped-def]
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # -- list -------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self) -> None:
        self._list_task.start(
            list_connections, self.context, on_done=self._show, on_error=self._list_failed
        )

    @property
    def loading(self) -> bool:
        return self._list_task.busy

    def _show(self, connections: list[ConnectionDef]) -> None:
        selected = self._select_after or (self.selected().name if self.selected() else None)
        self._select_after = None
        self.model.set_connections(connections)
        self.view.setVisible(bool(connections))
        self.empty_label.setVisible(not connections)
        row = self.model.row_of(selected) if selected else -1
        if row < 0 and connections:
            row = 0
        if row >= 0:
            self.view.selectRow(row)
        self._update_buttons()
        self.sig_loaded.emit()

    def _list_failed(self, exc: BaseException) -> None:
        set_message(self.message, f"Could not list the connections: {user_message(exc)[0]}")

    def selected(self) -> ConnectionDef | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.connections[rows[0].row()] if rows else None

    def select(self, name: str) -> bool:
        row = self.model.row_of(name)
        if row >= 0:
            self.view.selectRow(row)
        return row >= 0

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        for button, allowed in self.allowed.items():
            needs_row = button is not self.new_button
            button.setEnabled(allowed and (chosen or not needs_row) and not self._action_task.busy)

    # -- dialogs ----------------------------------------------------------------------------
    def new_connection(self) -> ConnectionDialog:
        return self._open_dialog(None)

    def edit(self) -> ConnectionDialog | None:
        defn = self.selected()
        if defn is None or not self.allowed[self.edit_button]:
            return None
        return self._open_dialog(defn)

    def _open_dialog(self, defn: ConnectionDef | None) -> ConnectionDialog:
        dialog = ConnectionDialog(self.context, defn, self)
        dialog.sig_saved.connect(self._saved)
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _saved(self, defn: ConnectionDef) -> None:
        self._select_after = defn.name
        set_message(self.message, f"Saved connection {defn.name}.", "info")
        self.refresh()

    def copy(self) -> QInputDialog | None:
        defn = self.selected()
        if defn is None:
            return None
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Copy connection")
        dialog.setLabelText(f"Name of the copy of {defn.name}:")
        dialog.setTextValue(f"{defn.name} (copy)")
        dialog.textValueSelected.connect(lambda name: self._copy(defn, name))
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _copy(self, defn: ConnectionDef, name: str) -> None:
        assert defn.conid is not None
        self._select_after = name.strip()
        self._run(copy_connection, defn.conid, name.strip(), done=f"Copied to {name.strip()}.")

    def delete(self) -> QMessageBox | None:
        defn = self.selected()
        if defn is None:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete connection",
            f"Delete connection {defn.name}?\n\nRuns that used it keep their history.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: self._delete(defn))
        self.dialog = box
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def _delete(self, defn: ConnectionDef) -> None:
        assert defn.conid is not None
        self._run(delete_connection, defn.conid, done=f"Deleted connection {defn.name}.")

    def test(self) -> None:
        defn = self.selected()
        if defn is None or defn.conid is None:
            return
        set_message(self.message, f"Testing {defn.name}…", "info")
        self._action_task.start(
            test_connection,
            self.context,
            defn.conid,
            on_done=lambda result: self._tested(defn, result),
            on_error=self._action_failed,
        )
        self._update_buttons()

    def _tested(self, defn: ConnectionDef, result: TestResult) -> None:
        text = f"{'✓' if result.ok else '✗'} {defn.name}: {result.message}"
        set_message(self.message, text, "info" if result.ok else "error")
        self._update_buttons()
        self.sig_action_done.emit(text)

    # -- background actions -----------------------------------------------------------------
    def _run(self, fn, *args: object, done: str) -> None:  # type: ignore[no-untyped-def]
        self._action_task.start(
            fn,
            self.context,
            *args,
            on_done=lambda _result: self._action_done(done),
            on_error=self._action_failed,
        )
        self._update_buttons()

    def _action_done(self, text: str) -> None:
        set_message(self.message, text, "info")
        self.refresh()
        self.sig_action_done.emit(text)

    def _action_failed(self, exc: BaseException) -> None:
        self._select_after = None
        text = user_message(exc)[0]
        set_message(self.message, text)
        self._update_buttons()
        self.sig_action_done.emit(text)

    def cancel_tasks(self) -> None:
        self._list_task.cancel()
        self._action_task.cancel()


PAGE = PageSpec(
    module="connections",
    title="Connections",
    icon="connections",
    summary="Source and target databases",
    create=ConnectionsPage,
)
