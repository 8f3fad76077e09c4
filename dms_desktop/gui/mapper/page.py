"""Mapper: the list of mappings and one editor tab per opened mapping.

Unsaved changes are asked about when an editor tab closes, and when the window closes (the
page watches its window's close event: the main window has no per-page hook for it).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import QTabBar, QTabWidget, QVBoxLayout, QWidget

from dms_desktop.gui.mapper.editor import MappingEditor
from dms_desktop.gui.mapper.host import RUN_TAB
from dms_desktop.gui.mapper.list_panel import MappingListPanel
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.widgets import PageHeader, set_message

RUN_NOW_TIP = "Run the mapping open in the Mapper now (F9)"


class MapperPage(QWidget):
    sig_editor_opened = Signal(object)  # the MappingEditor

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self._loaded_once = False
        self._watched: QWidget | None = None

        header = PageHeader(
            "Mapper",
            "How each target table is built from a source query: columns, keys, logic, history",
            self,
        )
        # Jobs > Run now follows this action (main_menus): enabled while an editor is current.
        self.run_now_action = QAction("Run now", self)
        self.run_now_action.setToolTip(RUN_NOW_TIP)
        self.run_now_action.triggered.connect(self.run_current)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mapperTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(lambda _i: self._update_run_now())
        self.list_panel = MappingListPanel(context, self)
        self.list_panel.sig_open.connect(self.open_mapping)
        self.list_panel.sig_new.connect(self.new_mapping)
        self.tabs.addTab(self.list_panel, "Mappings")
        self.tabs.tabBar().setTabButton(0, QTabBar.ButtonPosition.RightSide, None)
        self.tabs.tabBar().setTabButton(0, QTabBar.ButtonPosition.LeftSide, None)
        self._update_run_now()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 16)
        layout.setSpacing(10)
        layout.addWidget(header)
        layout.addWidget(self.tabs, 1)
        close_key = QAction(self)
        close_key.setShortcut(QKeySequence("Ctrl+W"))
        close_key.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        close_key.triggered.connect(lambda: self.close_tab(self.tabs.currentIndex()))
        self.addAction(close_key)

    # -- lifecycle ------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        window = self.window()
        if window is not self and window is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            window.installEventFilter(self)
            self._watched = window
        if not self._loaded_once:
            self._loaded_once = True
            self.list_panel.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self._watched and event.type() == QEvent.Type.Close:
            if getattr(watched, "logging_out", False):
                return False  # the session has moved on: nothing left to ask
            if isinstance(watched, QWidget) and not self.confirm_close_all(watched.close):
                event.ignore()  # asked; the answer closes the window again
                return True
        return False

    def cancel_tasks(self) -> None:
        self.list_panel.cancel_tasks()
        for editor in self.editors():
            editor.cancel_tasks()

    # -- editors --------------------------------------------------------------------------
    def editors(self) -> list[MappingEditor]:
        return [
            w
            for i in range(self.tabs.count())
            if isinstance(w := self.tabs.widget(i), MappingEditor)
        ]

    def current_editor(self) -> MappingEditor | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, MappingEditor) else None

    def editor_for(self, ref: str) -> MappingEditor | None:
        wanted = ref.upper()
        return next((e for e in self.editors() if e.ref.upper() == wanted), None)

    def open_mapping(self, ref: str) -> MappingEditor:
        editor = self.editor_for(ref)
        if editor is None:
            editor = self._add_editor(MappingEditor(self.context, ref, self.tabs))
        self.tabs.setCurrentWidget(editor)
        return editor

    def new_mapping(self) -> MappingEditor:
        editor = self._add_editor(MappingEditor(self.context, None, self.tabs))
        self.tabs.setCurrentWidget(editor)
        editor.form.widgets["ref"].setFocus()
        return editor

    def _add_editor(self, editor: MappingEditor) -> MappingEditor:
        self.tabs.addTab(editor, editor.title())
        editor.sig_title_changed.connect(lambda e=editor: self._retitle(e))
        editor.sig_saved.connect(lambda _m: self.list_panel.refresh())
        editor.versions_tab.sig_restored.connect(lambda _m: self.list_panel.refresh())
        editor.sig_validated.connect(lambda _p: self.list_panel.refresh())
        self.sig_editor_opened.emit(editor)
        self._update_run_now()
        return editor

    def _retitle(self, editor: MappingEditor) -> None:
        index = self.tabs.indexOf(editor)
        if index >= 0:
            self.tabs.setTabText(index, editor.title())
            self.tabs.setTabToolTip(index, "Unsaved changes" if editor.is_dirty() else "")

    def close_tab(self, index: int) -> bool:
        """Close an editor tab, asking first about unsaved changes; True when it closed."""
        editor = self.tabs.widget(index)
        if not isinstance(editor, MappingEditor):
            return False
        if editor.run_panel.busy:  # closing would cancel the load: make it the user's choice
            editor.show_tab(RUN_TAB)
            set_message(editor.message, "A run is in progress: cancel it or let it finish first.")
            return False
        if not editor.confirm_discard(lambda: self.close_tab(self.tabs.indexOf(editor))):
            return False
        editor.cancel_tasks()
        self.tabs.removeTab(self.tabs.indexOf(editor))
        editor.deleteLater()
        self._update_run_now()
        return True

    def confirm_close_all(self, then: Callable[[], object]) -> bool:
        """True when no editor has unsaved changes; else ask about the first one (``then``
        runs after its answer, and asks about the next) and return False."""
        for editor in self.editors():
            if editor.is_dirty():
                self.tabs.setCurrentWidget(editor)
                return editor.confirm_discard(then)
        return True

    # -- run now --------------------------------------------------------------------------
    def run_current(self) -> bool:
        editor = self.current_editor()
        if editor is None:
            return False
        editor.run_now()
        return True

    def _update_run_now(self) -> None:
        editor = self.current_editor()
        allowed = self.context.user.can("jobs", "run")
        self.run_now_action.setEnabled(editor is not None and allowed)


PAGE = PageSpec(
    module="mapper",
    title="Mapper",
    icon="mapper",
    summary="Mappings from source queries to target tables",
    create=MapperPage,
)
