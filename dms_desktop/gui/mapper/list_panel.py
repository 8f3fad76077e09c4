"""The mapping list: filter and search, new, copy, delete, import and export of spec files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.mapping.model import TABLE_TYPES, Mapping
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.mapper.host import message_label
from dms_desktop.gui.mapper.list_model import REF, MappingFilterModel, MappingListModel
from dms_desktop.gui.mapper.work import (
    Catalogue,
    ImportCheck,
    check_import,
    copy_mapping,
    delete_mapping,
    export_to,
    import_mappings,
    load_catalogue,
)
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.resources import icon
from dms_desktop.gui.widgets import empty_state, refresh_shortcut, set_message
from dms_desktop.gui.workers import TaskSlot

SPEC_FILTER = "Mapping specs (*.xlsx *.json *.yaml *.yml);;All files (*)"
WIDTHS = (160, 140, 90, 130, 100, 66, 52, 96, 140)


class MappingListPanel(QWidget):
    sig_open = Signal(str)  # a reference to open in an editor
    sig_new = Signal()
    sig_loaded = Signal()
    sig_action_done = Signal(str)  # copy, delete, import or export finished: the message

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mappingList")
        self.context = context
        self._list = TaskSlot()
        self._action = TaskSlot()
        self._select_after: str | None = None
        self.dialog: QWidget | None = None
        user = context.user

        self.search = QLineEdit(self)
        self.search.setObjectName("mappingSearch")
        self.search.setPlaceholderText("Filter: reference, table, SQL, connection, description…")
        self.search.setClearButtonEnabled(True)
        self.type_filter = QComboBox(self)
        self.type_filter.addItem("All types", "")
        for kind in TABLE_TYPES:
            self.type_filter.addItem(kind.capitalize(), kind)
        self.search.textChanged.connect(self._filter)
        self.type_filter.currentIndexChanged.connect(self._filter)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.new_button = self._button("New", "Create a mapping", self.sig_new.emit)
        self.open_button = self._button("Open", "Open the selected mapping (double-click)", self.open_selected)  # fmt: skip
        self.copy_button = self._button("Copy…", "Copy it under a new reference", self.copy)
        self.delete_button = self._button("Delete…", "Retire the selected mapping (history stays)", self.delete)  # fmt: skip
        self.import_button = self._button("Import…", "Import JSON, YAML or Excel specs", self.import_file)  # fmt: skip
        self.export_button = self._button("Export…", "Export the selected mappings", self.export_file)  # fmt: skip
        self.refresh_button = self._button("Refresh", "Reload the list (F5)", self.refresh)
        self.refresh_button.setIcon(icon("refresh"))
        for button in (self.new_button, self.open_button, self.copy_button, self.delete_button):
            bar.addWidget(button)
        bar.addSpacing(12)
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)
        bar.addSpacing(12)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.type_filter)
        bar.addWidget(self.refresh_button)
        self.allowed = {
            self.new_button: user.can("mapper", "create"),
            self.copy_button: user.can("mapper", "create"),
            self.delete_button: user.can("mapper", "delete"),
            self.import_button: user.can("mapper", "create"),
            self.open_button: True,
            self.export_button: True,
        }
        for button, allowed in self.allowed.items():
            if not allowed:
                button.setToolTip("Your role does not allow this")

        self.message = message_label(self)
        self.model = MappingListModel(self)
        self.proxy = MappingFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView(self)
        self.view.setObjectName("mappingListView")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(REF, Qt.SortOrder.AscendingOrder)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(30)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(WIDTHS):
            self.view.setColumnWidth(column, width)
        self.view.doubleClicked.connect(lambda _index: self.open_selected())
        self.view.activated.connect(lambda _index: self.open_selected())
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.empty_label = empty_state(
            "No mapping yet. Create one with New, or import a spec (JSON, YAML or Excel).", self
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label, 1)
        refresh_shortcut(self, self.refresh)
        self._update_buttons()

    def _button(self, text: str, tip: str, slot) -> QPushButton:  # type: ignore[no-untyped-def]
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # -- the list -------------------------------------------------------------------------
    def refresh(self) -> None:
        self._list.start(
            load_catalogue, self.context.ws, self.context.user, on_done=self._show,
            on_error=lambda exc: set_message(
                self.message, f"Could not list the mappings: {user_message(exc)[0]}"),
        )  # fmt: skip

    @property
    def loading(self) -> bool:
        return self._list.busy

    def _show(self, catalogue: Catalogue) -> None:
        selected = self._select_after or next(iter(self.selected_refs()), None)
        self._select_after = None
        names = {c.conid: c.name for c in catalogue.connections if c.conid is not None}
        self.model.set_mappings(catalogue.mappings, names)
        self.view.setVisible(bool(catalogue.mappings))
        self.empty_label.setVisible(not catalogue.mappings)
        if not (selected and self.select(selected)) and self.proxy.rowCount():
            self.view.selectRow(0)
        self._update_buttons()
        self.sig_loaded.emit()

    def _filter(self, *_args: object) -> None:
        self.proxy.set_filter(self.search.text(), self.type_filter.currentData() or "")

    def selected_mappings(self) -> list[Mapping]:
        rows = self.view.selectionModel().selectedRows()
        return [self.proxy.data(r, Qt.ItemDataRole.UserRole) for r in rows]

    def selected_refs(self) -> list[str]:
        return [m.ref for m in self.selected_mappings()]

    def select(self, ref: str) -> bool:
        row = self.model.row_of(ref)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.view.selectRow(index.row())
            self.view.scrollTo(index)
        return index.isValid()

    def _update_buttons(self) -> None:
        count = len(self.selected_mappings())
        busy = self._action.busy
        for button, allowed in self.allowed.items():
            needs = {self.new_button: 0, self.import_button: 0, self.export_button: -1}.get(
                button, 1
            )
            ok = count >= 1 if needs == -1 else (count == 1 if needs == 1 else True)
            button.setEnabled(allowed and ok and not busy)

    def open_selected(self) -> None:
        refs = self.selected_refs()
        if refs:
            self.sig_open.emit(refs[0])

    # -- copy and delete ------------------------------------------------------------------
    def copy(self) -> QInputDialog | None:
        refs = self.selected_refs()
        if len(refs) != 1:
            return None
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Copy mapping")
        dialog.setLabelText(f"Reference of the copy of {refs[0]}:")
        dialog.setTextValue(f"{refs[0]}_COPY")
        dialog.textValueSelected.connect(lambda new: self.copy_to(refs[0], new.strip()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def copy_to(self, ref: str, new_ref: str) -> None:
        self._select_after = new_ref
        self._run(copy_mapping, ref, new_ref, done=f"Copied {ref} to {new_ref}.")

    def delete(self) -> QMessageBox | None:
        refs = self.selected_refs()
        if len(refs) != 1:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete mapping",
            f"Delete mapping {refs[0]}?\n\nIts versions stay in the history; its target table "
            "and run logs are not touched.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("deleteMappingBox")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: self._run(delete_mapping, refs[0], done=f"Deleted {refs[0]}."))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.open()
        return box

    # -- import and export ----------------------------------------------------------------
    def import_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Import mapping specs", "", SPEC_FILTER)
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> None:
        set_message(self.message, f"Reading {path.name}…", "info")
        self._action.start(
            check_import, self.context.ws, self.context.user, path,
            on_done=lambda check: self._import_checked(path, check),
            on_error=self._failed,
        )  # fmt: skip
        self._update_buttons()

    def _import_checked(self, path: Path, check: ImportCheck) -> None:
        self._update_buttons()
        if not check.existing:
            self._import(path, False, check)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Import mapping specs",
            f"{', '.join(check.existing)} exist{'s' if len(check.existing) == 1 else ''} "
            "already.\n\nImport the file as their new versions (the old ones are kept)?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("importReplaceBox")
        box.accepted.connect(lambda: self._import(path, True, check))
        box.rejected.connect(lambda: set_message(self.message, "Nothing imported.", "info"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.open()

    def _import(self, path: Path, replace: bool, check: ImportCheck) -> None:
        self._select_after = check.refs[0] if check.refs else None
        self._run(import_mappings, path, replace,
                  done=f"Imported {', '.join(check.refs)} from {path.name}.")  # fmt: skip

    def export_file(self) -> None:
        refs = self.selected_refs()
        if not refs:
            return
        name = f"{refs[0]}.xlsx" if len(refs) == 1 else "mappings.xlsx"
        path, _filter = QFileDialog.getSaveFileName(self, "Export mappings", name, SPEC_FILTER)
        if path:
            self.export_path(Path(path), refs)

    def export_path(self, path: Path, refs: list[str]) -> None:
        self._run(export_to, refs, path, done=f"Exported {', '.join(refs)} to {path}.")

    # -- background actions ---------------------------------------------------------------
    def _run(self, fn, *args: object, done: str) -> None:  # type: ignore[no-untyped-def]
        self._action.start(
            fn, self.context.ws, self.context.user, *args,
            on_done=lambda _result: self._done(done), on_error=self._failed,
        )  # fmt: skip
        self._update_buttons()

    def _done(self, text: str) -> None:
        set_message(self.message, text, "info")
        self.refresh()
        self.sig_action_done.emit(text)

    def _failed(self, exc: BaseException) -> None:
        self._select_after = None
        text = user_message(exc)[0]
        set_message(self.message, text)
        self._update_buttons()
        self.sig_action_done.emit(text)

    def cancel_tasks(self) -> None:
        self._list.cancel()
        self._action.cancel()
