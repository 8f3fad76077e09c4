"""Reports: the report definitions (built-ins read-only), an editor for the user's own, and
Run → parameters → preview in the lazy grid → Export to CSV, XLSX or PDF.

Everything that reads or writes goes through a worker (``reports.work``); the page keeps
the catalog it was last given and the editor's form.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.reports import ParameterError, ReportDef
from dms_desktop.core.reports.run import local_today
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.reports.editor import ReportEditor
from dms_desktop.gui.reports.params_dialog import ParameterDialog
from dms_desktop.gui.reports.preview import PreviewPanel
from dms_desktop.gui.reports.report_list import ReportList
from dms_desktop.gui.reports.work import (
    Catalog,
    Preview,
    delete_report,
    load_catalog,
    save_report,
    start_preview,
)
from dms_desktop.gui.widgets import PageHeader, set_message
from dms_desktop.gui.workers import TaskSlot

DEFINITION_TAB, PREVIEW_TAB = range(2)
NEW_REPORT = "NEW_REPORT"


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask yes or no (tests replace this)."""
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


class ReportsPage(QWidget):
    sig_loaded = Signal(object)  # the Catalog now listed
    sig_saved = Signal(object)  # the ReportDef saved
    sig_deleted = Signal(str)
    sig_preview_shown = Signal(object)  # the PreviewRun in the grid
    sig_run_failed = Signal(str)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self.catalog: Catalog | None = None
        self.param_dialog: ParameterDialog | None = None
        self.last_values: dict[str, dict[str, Any]] = {}
        self._pending: str | None = None  # a report to open once the list is loaded
        self._load_task, self._save_task, self._run_task = TaskSlot(), TaskSlot(), TaskSlot()
        user = context.user
        self.can_create = user.can("reports", "create")
        self.can_edit = user.can("reports", "edit")
        self.can_delete = user.can("reports", "delete")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 16)
        layout.setSpacing(10)
        header = PageHeader(
            "Reports", "Reports over the run logs and the warehouse, exported to CSV, XLSX or PDF"
        )
        self.new_button = QPushButton("New", self)
        self.new_button.setToolTip("A new report of your own")
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("A new report starting from this one")
        self.save_button = QPushButton("Save", self)
        self.save_button.setToolTip(
            "Save the definition: a new version, the old ones are kept (Ctrl+S)"
        )
        self.delete_button = QPushButton("Delete", self)
        self.run_button = QPushButton("Run…", self)
        self.run_button.setProperty("primary", True)
        self.run_button.setToolTip("Ask the parameters, run the report and preview its rows")
        actions = ((self.new_button, self.new_report), (self.copy_button, self.copy_report),
                   (self.save_button, self.save), (self.delete_button, self.delete),
                   (self.run_button, self.run))  # fmt: skip
        for button, slot in actions:
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
        column.setSpacing(6)
        self.filter_edit = QLineEdit(side)
        self.filter_edit.setPlaceholderText("Filter reports…")
        self.filter_edit.setClearButtonEnabled(True)
        self.list = ReportList(side)
        self.filter_edit.textChanged.connect(self.list.filter)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemActivated.connect(lambda _item: self.run())
        column.addWidget(self.filter_edit)
        column.addWidget(self.list, 1)
        self.tabs = QTabWidget(split)
        self.tabs.setDocumentMode(True)
        self.editor = ReportEditor(self.tabs)
        self.editor.sig_changed.connect(self._update_buttons)
        self.preview = PreviewPanel(context, self.tabs)
        self.tabs.addTab(self.editor, "Definition")
        self.tabs.addTab(self.preview, "Preview")
        self.from_preview_button = QPushButton("Add result columns", self.editor.columns_editor)
        self.from_preview_button.setToolTip(
            "A row for each column of the last preview not listed yet"
        )
        self.from_preview_button.clicked.connect(lambda _c=False: self._columns_from_preview())
        self.editor.columns_editor.buttons.addWidget(self.from_preview_button)
        split.addWidget(side)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setSizes([230, 800])
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        save_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_key.activated.connect(self.save)
        self._loaded_once = False
        self._update_buttons()

    # -- loading -------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.load()

    @property
    def loading(self) -> bool:
        return self._load_task.busy

    def load(self, select: str | None = None) -> None:
        if select is not None:
            self._pending = select
        self._load_task.start(
            load_catalog, self.context, on_done=self._show_catalog, on_error=self._failed
        )

    def _show_catalog(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.editor.set_connections(catalog.connections, catalog.metadata_dialect)
        current = self.current_name()
        wanted = self._pending or current
        self._pending = None
        self.list.set_reports(catalog.reports)
        self.list.filter(self.filter_edit.text())
        base = self.editor.base
        if wanted is not None and self.select_report(wanted, force=wanted == current):
            pass
        elif self.list.count() and (not base.name or base.version > 0 or base.builtin):
            self.list.setCurrentRow(0)  # nothing shown, or what was shown is gone
        self.sig_loaded.emit(catalog)

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, f"Could not load the reports: {user_message(exc)[0]}")

    def cancel_tasks(self) -> None:
        for task in (self._load_task, self._save_task, self._run_task):
            task.cancel()
        self.preview.model.clear()

    # -- choosing a report ---------------------------------------------------------------------
    def current_name(self) -> str | None:
        return self.editor.base.name or None if self.editor.base.version > 0 else None

    def open_report(self, name: str) -> bool:
        """Show ``name`` (the Reports menu); it opens as soon as the list is loaded."""
        if self.catalog is None or self.loading:
            self._pending = name
            if not self.loading:
                self.load()
            return False
        return self.select_report(name)

    def select_report(self, name: str, force: bool = False) -> bool:
        item = self.list.find(name)
        if item is None:
            return False
        if force:
            self.editor.mark_clean()
        self.list.setCurrentItem(item)
        self.tabs.setCurrentIndex(DEFINITION_TAB)
        return True

    def _current_changed(
        self, item: QListWidgetItem | None, previous: QListWidgetItem | None
    ) -> None:
        if item is None:
            return
        if self.editor.is_modified() and not confirm(
            self,
            "Unsaved changes",
            f"Discard your changes to {self.editor.base.name or 'the new report'}?",
        ):
            self.list.set_current_quietly(previous)
            return
        defn: ReportDef = item.data(Qt.ItemDataRole.UserRole)
        self._edit(defn)

    def _edit(self, defn: ReportDef) -> None:
        editable = self.can_edit if defn.version > 0 else self.can_create
        self.editor.set_definition(defn, read_only=defn.builtin or not editable)
        set_message(self.message, "")
        self._update_buttons()

    def new_report(self) -> None:
        self._start_new(ReportDef(name=NEW_REPORT, sql="SELECT 1 AS one"))

    def copy_report(self) -> None:
        base = self.editor.base
        if not base.name:
            return
        try:
            current = self.editor.definition()  # a built-in's SQL as shown, laid out
        except ValidationError:  # cells it cannot read: copy what was loaded
            current = base
        self._start_new(replace(current, name=f"{base.name}_COPY"[:50], builtin=False, version=0,
                                updated=None, updated_by=None))  # fmt: skip

    def _start_new(self, defn: ReportDef) -> None:
        if self.editor.is_modified() and not confirm(
            self, "Unsaved changes", f"Discard your changes to {self.editor.base.name}?"
        ):
            return
        self.list.set_current_quietly(None)
        self._edit(defn)
        self.editor.mark_new()
        self.tabs.setCurrentIndex(DEFINITION_TAB)
        self.editor.name_edit.setFocus()
        self.editor.name_edit.selectAll()
        self._update_buttons()

    def _update_buttons(self) -> None:
        base = self.editor.base
        stored = base.version > 0 and not base.builtin
        busy = self._save_task.busy
        allowed = self.can_edit if stored else self.can_create
        self.new_button.setEnabled(self.can_create)
        self.copy_button.setEnabled(self.can_create and bool(base.name))
        self.save_button.setEnabled(not self.editor.read_only and allowed and not busy)
        self.delete_button.setEnabled(stored and self.can_delete and not busy)
        self.run_button.setEnabled(bool(base.name))
        self.from_preview_button.setEnabled(not self.editor.read_only)

    # -- saving --------------------------------------------------------------------------------
    def save(self) -> None:
        if self.editor.read_only or self._save_task.busy:
            return
        defn = self.editor.checked_definition()
        if defn is None:
            self.tabs.setCurrentIndex(DEFINITION_TAB)
            return
        base_version = self.editor.base.version or None
        self._save_task.start(
            save_report,
            self.context,
            defn,
            base_version,
            on_done=self._saved,
            on_error=self._save_failed,
        )
        self._update_buttons()

    def _saved(self, defn: ReportDef) -> None:
        self.editor.base = defn
        self.editor.mark_clean()
        set_message(self.message, f"Saved {defn.name} (version {defn.version}).", "info")
        self.load(select=defn.name)
        self.sig_saved.emit(defn)

    def _save_failed(self, exc: BaseException) -> None:
        self.editor.show_problems(user_message(exc)[0])
        self._update_buttons()

    def delete(self) -> None:
        base = self.editor.base
        if base.builtin or base.version == 0 or self._save_task.busy:
            return
        if not confirm(
            self,
            "Delete report",
            f"Delete the report {base.name}? Its versions stay in the history.",
        ):
            return
        self._save_task.start(
            delete_report,
            self.context,
            base.name,
            on_done=self._deleted,
            on_error=self._save_failed,
        )

    def _deleted(self, name: str) -> None:
        set_message(self.message, f"Deleted {name}.", "info")
        self.editor.base = ReportDef(name="", sql="")
        self.editor.mark_clean()
        self.load()
        self.sig_deleted.emit(name)

    # -- running -------------------------------------------------------------------------------
    def run(self) -> ParameterDialog | None:
        """Ask the parameters (if any) and run the report shown; the dialog, if one opened."""
        defn = self.editor.base if self.editor.read_only else self.editor.checked_definition()
        if defn is None or not defn.name:
            self.tabs.setCurrentIndex(DEFINITION_TAB)
            return None
        if self._unsaved_metadata_sql(defn):
            self.editor.show_problems(
                "Only administrators may run SQL on the metadata database that is not saved "
                "(it can read accounts and secrets): choose a connection, or run the saved report."
            )
            self.tabs.setCurrentIndex(DEFINITION_TAB)
            return None
        if not defn.params:
            self._start_run(defn, {}, None)
            return None
        dialog = ParameterDialog(
            defn, self.last_values.get(defn.name), local_today(self.context.ws), self
        )
        dialog.sig_run.connect(lambda values: self._start_run(defn, values, dialog))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        self.param_dialog = dialog
        dialog.open()
        return dialog

    def _unsaved_metadata_sql(self, defn: ReportDef) -> bool:
        """A user's own SQL on the metadata database, not the version an administrator saved:
        only an administrator may run it (as only one may save it)."""
        if defn.builtin or defn.conid is not None or self.context.user.can("admin", "view"):
            return False
        return defn.version == 0 or self.editor.is_modified()

    def _start_run(
        self, defn: ReportDef, values: dict[str, Any], dialog: ParameterDialog | None
    ) -> None:
        self.last_values[defn.name] = values
        self.preview.show_running(defn.name)
        self._run_task.start(
            start_preview,
            self.context,
            defn,
            values,
            on_done=lambda preview: self._preview_ready(preview, dialog),
            on_error=lambda exc: self._run_failed(exc, dialog),
        )

    def _preview_ready(self, preview: Preview, dialog: ParameterDialog | None) -> None:
        if dialog is not None:
            dialog.accept()
        self.preview.show_preview(preview)
        self.tabs.setCurrentIndex(PREVIEW_TAB)
        self.sig_preview_shown.emit(self.preview.run)

    def _run_failed(self, exc: BaseException, dialog: ParameterDialog | None) -> None:
        if isinstance(exc, ParameterError) and dialog is not None:
            self.preview.show_failure("")
            dialog.show_problems(exc.problems)
            self.sig_run_failed.emit(exc.message)
            return
        if dialog is not None:
            dialog.accept()
        text = user_message(exc)[0]
        self.preview.show_failure(f"The report failed: {text}")
        self.tabs.setCurrentIndex(PREVIEW_TAB)
        self.sig_run_failed.emit(text)

    def _columns_from_preview(self) -> None:
        run = self.preview.run
        if run is not None and not self.editor.read_only:
            self.editor.columns_editor.add_names([c.name for c in run.output])


PAGE = PageSpec(
    module="reports",
    title="Reports",
    icon="reports",
    summary="Report definitions and exports",
    create=ReportsPage,
)
