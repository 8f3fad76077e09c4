"""One opened mapping: the header form, the column grid and the tabs around them.

The editor keeps the mapping as edited in two places, the header (a ``Mapping`` without
columns) and the grid model's column objects; every change goes through ``undo_stack``, and
"unsaved" means the stack is not at its clean index. Database work (load, save, validate,
describe) runs in workers; the grid stays editable meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QLabel, QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.engine.run import RunResult
from dms_desktop.core.mapping.model import Mapping
from dms_desktop.core.mapping.types import type_choices
from dms_desktop.core.mapping.validate import MappingProblem
from dms_desktop.core.sqlstore.service import ManagedSql
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.mapper.columns_model import MappingColumnsModel
from dms_desktop.gui.mapper.commands import SetHeaderCommand
from dms_desktop.gui.mapper.ddl_tab import DdlTab
from dms_desktop.gui.mapper.dialogs import Unsaved, ask_unsaved
from dms_desktop.gui.mapper.editor_actions import EditorActions
from dms_desktop.gui.mapper.editor_checks import EditorChecks
from dms_desktop.gui.mapper.fields import logic_functions
from dms_desktop.gui.mapper.grid_view import MappingGridView
from dms_desktop.gui.mapper.header_form import TITLES, HeaderForm
from dms_desktop.gui.mapper.host import (  # noqa: F401 - the tab numbers are the editor's API
    COLUMNS_TAB,
    DDL_TAB,
    PLAN_TAB,
    PREVIEW_TAB,
    RUN_TAB,
    VERSIONS_TAB,
)
from dms_desktop.gui.mapper.plan_tab import PlanTab
from dms_desktop.gui.mapper.preview_tab import PreviewTab
from dms_desktop.gui.mapper.run_panel import RunPanel
from dms_desktop.gui.mapper.versions_tab import VersionsTab
from dms_desktop.gui.mapper.work import (
    EditorData,
    draft_copy,
    load_editor,
    save_mapping,
    with_ids,
)
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import TaskSlot


class MappingEditor(QWidget):
    sig_loaded = Signal()
    sig_title_changed = Signal()
    sig_saved = Signal(object)  # the Mapping as saved
    sig_validated = Signal(object)  # the list of MappingProblem
    sig_save_failed = Signal(str)

    def __init__(
        self, context: PageContext, ref: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mappingEditor")
        self.context = context
        self.requested_ref = ref
        self.base: Mapping | None = None  # the saved version shown (None: never saved)
        self.header = Mapping(ref="", table_name="", table_type="DIMENSION")
        self.connections: list[ConnectionDef] = []
        self.queries: dict[str, ManagedSql] = {}
        self.described: dict[str, list[str]] = {}  # source columns described meanwhile
        self.loaded = False
        self._after_save: list[Callable[[], object]] = []
        self._save_index = -1
        self.dialog: QWidget | None = None
        self._load_task, self._save_task = TaskSlot(), TaskSlot()

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_message(self.message, "")
        self.undo_stack = QUndoStack(self)
        self.model = MappingColumnsModel(self.undo_stack, self)
        self.form = HeaderForm(self)
        self.form.sig_edited.connect(self._header_edited)
        self.grid = MappingGridView(self)
        logic = self.grid.install(self.model, self.type_choices, self.logic_words)
        self.checks = EditorChecks(self)
        self.problems_panel = self.checks.panel
        self.toolbar_actions = EditorActions(self)
        logic.sig_edit_in_dialog.connect(self.toolbar_actions.edit_logic)
        self.grid.sig_message.connect(lambda text: set_message(self.message, text, "info"))
        self.status = QLabel("Loading…", self)
        self.status.setObjectName("mutedLabel")

        columns = QSplitter(Qt.Orientation.Vertical, self)
        columns.addWidget(self.grid)
        columns.addWidget(self.problems_panel)
        columns.setStretchFactor(0, 5)
        columns.setStretchFactor(1, 1)
        columns.setChildrenCollapsible(False)
        self.preview_tab = PreviewTab(self, self)
        self.ddl_tab = DdlTab(self, self)
        self.versions_tab = VersionsTab(self, self)
        self.versions_tab.sig_restored.connect(self._restored)
        self.plan_tab = PlanTab(self, self)
        self.run_panel = RunPanel(self, self)
        self.run_panel.sig_finished.connect(self._run_finished)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("editorTabs")
        self.tabs.setDocumentMode(True)
        for widget, title in (
            (columns, "Columns"),
            (self.preview_tab, "Preview"),
            (self.ddl_tab, "DDL"),
            (self.versions_tab, "Versions"),
            (self.plan_tab, "Plan"),
            (self.run_panel, "Run"),
        ):
            self.tabs.addTab(widget, title)
        self.tabs.currentChanged.connect(self._tab_shown)
        self.tabs.setCornerWidget(self.status, Qt.Corner.TopRightCorner)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.toolbar_actions.toolbar)
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)

        self.undo_stack.indexChanged.connect(self._changed)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.model.sig_marks_changed.connect(self.refresh_status)
        self.load()

    # -- MappingHost ----------------------------------------------------------------------
    def draft(self) -> Mapping:
        self.commit_pending()
        return draft_copy(self.header, self.model.columns)

    def saved(self) -> Mapping | None:
        return self.base

    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean() or self.form.has_pending()

    def then_saved(self, action: Callable[[], object], why: str) -> None:
        self.commit_pending()
        if self.base is not None and not self.is_dirty():
            action()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Save the mapping",
            f"{why} the mapping must be saved first.\n\nSave it now?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("saveFirstBox")
        box.accepted.connect(lambda: self.save(then=action))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.open()

    # -- naming ---------------------------------------------------------------------------
    @property
    def ref(self) -> str:
        return self.base.ref if self.base is not None else (self.header.ref or "")

    def title(self) -> str:
        name = self.ref or "New mapping"
        return f"{name} *" if self.is_dirty() else name

    def target_dialect(self) -> str | None:
        conid = self.header.target_conid
        return next((c.dialect for c in self.connections if c.conid == conid), None)

    def source_dialect(self) -> str | None:
        query = self.queries.get(self.header.sql_code or "")
        if query is None:
            return None
        return next((c.dialect for c in self.connections if c.conid == query.conid), None)

    def source_columns(self) -> list[str]:
        code = self.header.sql_code or ""
        if code in self.described:
            return self.described[code]
        query = self.queries.get(code)
        return [c.name for c in query.columns] if query is not None else []

    def type_choices(self) -> list[str]:
        return type_choices(self.target_dialect())

    def logic_words(self) -> list[str]:
        return [*self.source_columns(), *logic_functions()]

    @property
    def editable(self) -> bool:
        user = self.context.user
        return user.can("mapper", "edit" if self.base is not None else "create")

    # -- loading --------------------------------------------------------------------------
    def load(self, ref: str | None = None) -> None:
        wanted = ref or (self.base.ref if self.base is not None else self.requested_ref)
        self.status.setText("Loading…")
        self._load_task.start(
            load_editor,
            self.context.ws,
            self.context.user,
            wanted,
            on_done=self._loaded,
            on_error=self._load_failed,
        )

    def _loaded(self, data: EditorData) -> None:
        mapping = data.mapping
        self.base = mapping if mapping.mapid is not None else None
        self.header = replace(mapping, columns=[])
        self.connections = data.connections
        self.queries = {q.code: q for q in data.queries}
        self.form.set_connections(data.connections)
        self.form.set_queries(data.queries)
        self.form.set_mapping(mapping)
        self.model.set_columns([replace(c) for c in mapping.columns])
        self.undo_stack.clear()
        self._apply_permissions()
        self.checks.set_problems([])
        for tab in (self.preview_tab, self.ddl_tab, self.versions_tab, self.plan_tab):
            tab.stale = True
        self.loaded = True
        self.refresh_status()
        self.sig_title_changed.emit()
        self._tab_shown(self.tabs.currentIndex())
        if self.base is not None and self.isVisible():
            self.grid.setFocus()
        self.sig_loaded.emit()

    def _load_failed(self, exc: BaseException) -> None:
        self.status.setText("")
        set_message(self.message, f"Could not open the mapping: {user_message(exc)[0]}")
        self.sig_loaded.emit()

    def _apply_permissions(self) -> None:
        editable = self.editable
        self.model.read_only = not editable
        self.form.set_editable(editable, ref_editable=self.base is None)
        self.toolbar_actions.set_editable(editable)

    def _restored(self, mapping: Mapping) -> None:
        self.load(mapping.ref)

    def _run_finished(self, result: RunResult | None) -> None:
        """A run compiles the saved version (validating it first when needed) and stores its
        plan: a successful one leaves that version validated, and the plan tab reloads."""
        self.plan_tab.stale = True
        if result is not None and result.ok and self.base is not None:
            self.base.validated = True
            self.refresh_status()

    # -- edits ----------------------------------------------------------------------------
    def _header_edited(self, attr: str, old: Any, new: Any) -> None:
        if self.model.read_only:
            self.form.set_value(attr, old)
            return
        self.undo_stack.push(SetHeaderCommand(self, attr, old, new, TITLES.get(attr, attr)))

    def apply_header(self, attr: str, value: Any) -> None:
        """Undo commands set header values here."""
        setattr(self.header, attr, value)
        self.form.set_value(attr, value)
        self.checks.header_edited(attr)

    def commit_pending(self) -> None:
        self.grid.commit_editor()
        self.form.commit_pending()

    def _changed(self, _index: int) -> None:
        for tab in (self.preview_tab, self.ddl_tab, self.plan_tab):
            tab.stale = True
        self.refresh_status()
        self.sig_title_changed.emit()

    def _clean_changed(self, _clean: bool) -> None:
        self.refresh_status()
        self.sig_title_changed.emit()

    def refresh_status(self) -> None:
        if not self.loaded:
            return
        base = self.base
        parts = [f"Version {base.version}" if base is not None else "Not saved yet"]
        if self.problems:
            left = len(self.model.marked_cells())
            parts.append(f"✗ {len(self.problems)} problems ({left} cells marked)")
        elif base is not None and not self.is_dirty():
            parts.append("✓ validated" if base.validated else "not validated")
        count = len(self.model.columns)
        parts.append(f"{count} column{'s' if count != 1 else ''}")
        if self.is_dirty():
            parts.append("unsaved changes")
        self.status.setText(" · ".join(parts))

    # -- validation (editor_checks) -------------------------------------------------------
    def validate(self) -> None:
        self.checks.validate()

    @property
    def validating(self) -> bool:
        return self.checks.busy

    @property
    def problems(self) -> list[MappingProblem]:
        return self.checks.problems

    def show_problem(self, problem: MappingProblem) -> None:
        self.checks.show(problem)

    # -- saving ---------------------------------------------------------------------------
    def save(self, then: Callable[[], object] | None = None) -> None:
        if then is not None:
            self._after_save.append(then)
        if self._save_task.busy:  # the running save is the one; ``then`` waits for it
            return
        draft = self.draft()
        if not self.editable:
            self._save_failed_text("Your role may not save this mapping.")
            return
        self._save_index = self.undo_stack.index()
        self.status.setText("Saving…")
        self._save_task.start(
            save_mapping,
            self.context.ws,
            self.context.user,
            draft,
            on_done=self._saved,
            on_error=lambda exc: self._save_failed_text(user_message(exc)[0]),
        )

    @property
    def saving(self) -> bool:
        return self._save_task.busy

    def _saved(self, mapping: Mapping) -> None:
        unchanged = self.base is not None and mapping.version == self.base.version
        self.base = mapping
        for attr in ("ref", "mapid", "version", "current", "validated", "updated", "updated_by"):
            setattr(self.header, attr, getattr(mapping, attr))
        self.form.set_value("ref", mapping.ref)
        with_ids(self.model.columns, mapping)
        if self.undo_stack.index() == self._save_index:
            self.undo_stack.setClean()
        self._apply_permissions()
        for tab in (self.versions_tab, self.plan_tab, self.ddl_tab):
            tab.stale = True
        text = (
            f"No changes: {mapping.ref} stays at version {mapping.version}."
            if unchanged
            else f"Saved {mapping.ref} as version {mapping.version}."
        )
        set_message(self.message, text, "info")
        self.refresh_status()
        self.sig_title_changed.emit()
        self.sig_saved.emit(mapping)
        actions, self._after_save = self._after_save, []
        for action in actions:
            action()
        self._tab_shown(self.tabs.currentIndex())

    def _save_failed_text(self, text: str) -> None:
        self._after_save = []
        set_message(self.message, f"Not saved: {text}")
        self.refresh_status()
        self.sig_save_failed.emit(text)

    # -- tabs and closing -----------------------------------------------------------------
    def _tab_shown(self, index: int) -> None:
        tab = self.tabs.widget(index)
        shown = getattr(tab, "shown", None)
        if self.loaded and callable(shown):
            shown()

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def run_now(self) -> None:
        self.show_tab(RUN_TAB)
        self.run_panel.start()

    def confirm_discard(self, then: Callable[[], object]) -> bool:
        """True when nothing is unsaved (the caller goes on at once). Otherwise ask, and call
        ``then`` after Discard, or after Save once the save succeeded; Cancel does nothing."""
        self.commit_pending()
        if not self.is_dirty():
            return True

        def answered(answer: Unsaved) -> None:
            if answer is Unsaved.DISCARD:
                self.discard_changes()
                then()
            elif answer is Unsaved.SAVE:
                self.save(then=then)

        self.dialog = ask_unsaved(self, self.ref or "The new mapping", answered)
        return False

    def discard_changes(self) -> None:
        """Forget the unsaved changes (the grid keeps showing them until reloaded)."""
        self.undo_stack.setClean()
        self.form.set_mapping(self.header)

    def cancel_tasks(self) -> None:
        for slot in (self._load_task, self._save_task):
            slot.cancel()
        self.checks.cancel()
        self.preview_tab.close_run()
        self.ddl_tab.cancel_tasks()
        self.plan_tab.cancel_tasks()
        self.run_panel.cancel_tasks()
