"""Uploads: CSV, Excel and JSON files into tables, validated before anything is written.

The page lists the saved upload definitions beside the wizard. New upload starts the wizard
on a file; Open reruns a definition on the newest file matching its pattern, through the
wizard (preview, mapping and validation shown); Run now loads that file straight away.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.uploads import UploadDef
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.uploads.wizard import LOAD, UploadWizard
from dms_desktop.gui.uploads.work import definitions, delete_definition, newest
from dms_desktop.gui.widgets import PageHeader, set_message
from dms_desktop.gui.workers import TaskSlot


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask yes or no (tests replace this)."""
    return QMessageBox.question(parent, title, text) == QMessageBox.StandardButton.Yes


class UploadsPage(QWidget):
    sig_loaded = Signal(object)  # the definitions now listed

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self.definitions: list[UploadDef] = []
        self._list_task, self._action_task = TaskSlot(), TaskSlot()
        user = context.user
        self.can_run = user.can("uploads", "create")
        self.can_delete = user.can("uploads", "delete")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 16)
        layout.setSpacing(10)
        header = PageHeader(
            "Uploads", "CSV, Excel and JSON files into tables: mapped, validated, all-or-nothing"
        )
        self.new_button = QPushButton("New upload", self)
        self.open_button = QPushButton("Open", self)
        self.open_button.setToolTip(
            "Rerun the selected definition on its newest file, step by step"
        )
        self.run_button = QPushButton("Run now", self)
        self.run_button.setToolTip("Load the newest file of the selected definition now")
        self.delete_button = QPushButton("Delete", self)
        for button, slot in ((self.new_button, self.new_upload), (self.open_button, self.open_selected),
                             (self.run_button, self.run_selected), (self.delete_button, self.delete)):  # fmt: skip
            button.clicked.connect(lambda _c=False, s=slot: s())
            header.add_widget(button)
        layout.addWidget(header)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        side = QWidget(split)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Saved uploads", side)
        title.setObjectName("sectionTitle")
        self.list = QListWidget(side)
        self.list.setObjectName("uploadList")
        self.list.setSpacing(3)
        self.list.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self.list.itemActivated.connect(lambda _i: self.open_selected())
        column.addWidget(title)
        column.addWidget(self.list, 1)
        self.wizard = UploadWizard(context, split)
        self.wizard.sig_saved.connect(lambda defn: self.refresh(select=defn.name))
        self.wizard.load_step.sig_loaded.connect(lambda _r: self.refresh())
        split.addWidget(side)
        split.addWidget(self.wizard)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setSizes([220, 900])
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        self._loaded_once = False
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    # -- the list -------------------------------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        chosen = self.selected()
        current = select or (chosen.name if chosen is not None else None)
        self._list_task.start(
            definitions, self.context,
            on_done=lambda found: self._show(found, current), on_error=self._failed,
        )  # fmt: skip

    def _show(self, found: list[UploadDef], select: str | None) -> None:
        self.definitions = found
        self.list.clear()
        for defn in found:
            status = f" · {defn.last_status.lower()}" if defn.last_status else ""
            item = QListWidgetItem(f"{defn.name}\n{defn.table} · {defn.mode.lower()}{status}")
            item.setData(Qt.ItemDataRole.UserRole, defn.name)
            item.setToolTip(defn.description or defn.file)
            self.list.addItem(item)
            if defn.name == select:
                self.list.setCurrentItem(item)
        self._update_buttons()
        self.sig_loaded.emit(found)

    def selected(self) -> UploadDef | None:
        item = self.list.currentItem()
        if item is None:
            return None
        name = item.data(Qt.ItemDataRole.UserRole)
        return next((d for d in self.definitions if d.name == name), None)

    def select(self, name: str) -> bool:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.new_button.setEnabled(self.can_run)
        self.open_button.setEnabled(chosen and self.can_run)
        self.run_button.setEnabled(chosen and self.can_run)
        self.delete_button.setEnabled(chosen and self.can_delete)
        if not self.can_run:
            self.new_button.setToolTip("Your role does not allow uploads")

    # -- actions --------------------------------------------------------------------------
    def new_upload(self) -> None:
        set_message(self.message, "")
        self.wizard.restart()

    def open_selected(self) -> None:
        defn = self.selected()
        if defn is None or not self.can_run:
            return
        set_message(self.message, f"Looking for the newest file of {defn.name}…", "info")
        self._action_task.start(
            newest, defn.file,
            on_done=lambda path: self._opened(defn, path), on_error=self._failed,
        )  # fmt: skip

    def _opened(self, defn: UploadDef, path: str) -> None:
        set_message(self.message, "")
        self.wizard.open_definition(defn, path)

    def run_selected(self) -> None:
        defn = self.selected()
        if defn is None or not self.can_run:
            return
        self.wizard.go(LOAD)
        self.wizard.load_step.run_saved(defn.name)

    def delete(self) -> None:
        defn = self.selected()
        if defn is None or not confirm(self, "Delete upload", f"Delete upload {defn.name}?"):
            return
        self._action_task.start(
            delete_definition, self.context, defn.name,
            on_done=lambda name: self._deleted(name), on_error=self._failed,
        )  # fmt: skip

    def _deleted(self, name: str) -> None:
        set_message(self.message, f"Deleted upload {name}.", "info")
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, user_message(exc)[0])

    def cancel_tasks(self) -> None:
        self._list_task.cancel()
        self._action_task.cancel()
        self.wizard.cancel_tasks()


PAGE = PageSpec(
    module="uploads",
    title="Uploads",
    icon="uploads",
    summary="Loading files into target tables",
    create=UploadsPage,
)
