"""SQL: a workbench of editor tabs, each on its own connection, with the schema browser and
the managed queries beside them."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.catalog import Catalog, CompletionWords
from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.sqlstore.service import ManagedSql
from dms_desktop.gui import prefs
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.sql.dialogs import SaveQueryDialog, VersionsDialog
from dms_desktop.gui.sql.execution import Target
from dms_desktop.gui.sql.icons import workbench_icon
from dms_desktop.gui.sql.queries import QueriesPanel
from dms_desktop.gui.sql.schema import SchemaBrowser
from dms_desktop.gui.sql.tab import SqlTab
from dms_desktop.gui.sql.validation import ValidationRunner
from dms_desktop.gui.workers import Task, TaskSlot, run_in_background

LAST_CONNECTION = "sql/last_connection"  # QSettings: the connection new tabs start on


def list_connections(context: PageContext) -> list[ConnectionDef]:
    return ConnectionService(context.ws, context.user).list_connections()


def completion_words(target: Target) -> CompletionWords:
    return Catalog(target.engine(), target.dialect).completion_words()


class SqlPage(QWidget):
    sig_connections_loaded = Signal()

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self.connections: list[ConnectionDef] = []
        self.completions: dict[int, CompletionWords] = {}
        self._loading_words: set[int] = set()
        self._word_tasks: list[Task] = []
        self._connections_task = TaskSlot()
        self._counter = 0
        self.dialog: QWidget | None = None

        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("sqlToolbar")
        self.toolbar.setIconSize(QSize(16, 16))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._build_actions()

        self.schema = SchemaBrowser(self)
        self.schema.sig_select_top.connect(self.open_and_run)
        self.queries = QueriesPanel(context, self)
        self.queries.sig_open.connect(self.open_managed)
        self.queries.sig_versions.connect(self.show_versions)
        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(self.schema)
        left.addWidget(self.queries)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        left.setMinimumWidth(180)  # narrow windows squeeze the side panels first

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("sqlTabs")
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._current_changed)
        plus = QToolButton(self.tabs)
        plus.setIcon(workbench_icon("new"))
        plus.setToolTip("New tab (Ctrl+T)")
        plus.setAutoRaise(True)
        plus.clicked.connect(lambda _checked=False: self.new_tab())
        self.tabs.setCornerWidget(plus, Qt.Corner.TopRightCorner)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([360, 900])
        self.status = QLabel("", self)
        self.status.setObjectName("mutedLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(6)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status)
        self.validation = ValidationRunner(context, self)
        self._loaded_once = False
        self.new_tab()

    # -- actions ----------------------------------------------------------------------------
    def _action(self, text: str, keys: str, slot, icon: str = "", tip: str = "") -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if icon:
            action.setIcon(workbench_icon(icon))
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{tip or text} ({keys})" if keys else tip or text)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        tab = self.current_tab
        act = self._action
        self.new_tab_action = act("New tab", "Ctrl+T", self.new_tab, "new", "Open an empty tab")
        self.run_action = act(
            "Run", "Ctrl+Return", lambda: tab().run_statement(), "run",
            "Run the statement under the cursor, or the selection",
        )  # fmt: skip
        act("Run", "Ctrl+Enter", lambda: tab().run_statement())  # the keypad's Enter
        self.script_action = act(
            "Run script", "F5", lambda: tab().run_script(), "script",
            "Run every statement, one after another",
        )  # fmt: skip
        self.cancel_action = act(
            "Cancel", "", self.escape, "cancel", "Stop the running statement on the server (Esc)"
        )
        act("Escape", "Esc", self.escape)
        self.explain_action = act(
            "Explain", "Ctrl+E", lambda: tab().explain(), "explain",
            "Show the database's plan for the statement",
        )  # fmt: skip
        self.format_action = act(
            "Format", "Ctrl+Shift+F", lambda: tab().format_text(), "format", "Format the SQL"
        )
        self.validate_action = act(
            "Validate", "Ctrl+Shift+V", self.validate, "validate",
            "Check it is one SELECT and describe its columns",
        )  # fmt: skip
        self.save_action = act("Save", "Ctrl+S", self.save, "save", "Save as a managed query")
        self.versions_action = act(
            "Versions", "", lambda: self.show_versions(tab().code or ""), "versions",
            "Versions of this managed query, with the differences",
        )  # fmt: skip
        act("Comment", "Ctrl+/", lambda: tab().editor.toggle_comment())
        act("Find", "Ctrl+F", lambda: tab().find_bar.open_find())
        act("Replace", "Ctrl+H", lambda: tab().find_bar.open_find(replace=True))
        act("Complete", "Ctrl+Space", lambda: tab().editor.complete())
        groups = (
            (self.new_tab_action,),
            (self.run_action, self.script_action, self.cancel_action, self.explain_action),
            (self.format_action, self.validate_action),
            (self.save_action, self.versions_action),
        )
        for i, group in enumerate(groups):
            if i:
                self.toolbar.addSeparator()
            self.toolbar.addActions(list(group))
        can_save = self.context.user.can("sql", "create") or self.context.user.can("sql", "edit")
        self.save_action.setEnabled(can_save)
        if not can_save:
            self.save_action.setToolTip("Your role may not save managed queries")

    def escape(self) -> None:
        """Esc: close the word list, else cancel the run, else close the find bar."""
        tab = self.current_tab()
        if tab.editor.autoCActive():
            tab.editor.autoCCancel()
        elif not tab.cancel() and tab.find_bar.isVisible():
            tab.find_bar.close_bar()

    def _update_actions(self) -> None:
        tab = self.current_tab()
        if tab is None:
            return
        ready = tab.connection() is not None and not tab.busy
        for action in (self.run_action, self.script_action, self.explain_action):
            action.setEnabled(ready)
        self.cancel_action.setEnabled(tab.busy)
        self.validate_action.setEnabled(ready)
        self.versions_action.setEnabled(bool(tab.code))
        index = self.tabs.indexOf(tab)
        self.tabs.setTabText(index, tab.title())

    # -- tabs -------------------------------------------------------------------------------
    def current_tab(self) -> SqlTab:
        widget = self.tabs.currentWidget()
        assert isinstance(widget, SqlTab)
        return widget

    def tab_list(self) -> list[SqlTab]:
        return [w for i in range(self.tabs.count()) if isinstance(w := self.tabs.widget(i), SqlTab)]

    def new_tab(self, conid: int | None = None) -> SqlTab:
        self._counter += 1
        tab = SqlTab(self.context, f"Query {self._counter}", self.tabs)
        tab.set_connections(self.connections)
        previous = self.tabs.currentWidget()
        wanted = conid
        if wanted is None and isinstance(previous, SqlTab) and previous.connection() is not None:
            wanted = previous.connection().conid  # type: ignore[union-attr]
        tab.select_connection(wanted if wanted is not None else self._default_conid())
        tab.sig_state_changed.connect(self._update_actions)
        tab.sig_connection_chosen.connect(lambda name: prefs.set_value(LAST_CONNECTION, name))
        tab.sig_connection_changed.connect(lambda t=tab: self._tab_connection_changed(t))
        self.tabs.addTab(tab, tab.title())
        self.tabs.setCurrentWidget(tab)
        self._tab_connection_changed(tab)
        QWidget.setFocus(tab.editor)
        return tab

    def close_tab(self, index: int) -> None:
        tab = self.tabs.widget(index)
        if isinstance(tab, SqlTab):
            tab.close_tab()
            self.tabs.removeTab(index)
            tab.deleteLater()
        if self.tabs.count() == 0:
            self.new_tab()

    def _current_changed(self, _index: int) -> None:
        if isinstance(self.tabs.currentWidget(), SqlTab):
            self._show_schema()
            self._update_actions()

    def _show_schema(self) -> None:
        tab = self.current_tab()
        defn = tab.connection()
        self.schema.set_target(tab.target(), defn.name if defn is not None else "")

    def open_and_run(self, sql: str) -> SqlTab:
        """A new tab on the browsed connection with ``sql``, run at once (SELECT top 100)."""
        target = self.schema.target
        tab = self.new_tab(target.conid if target is not None else None)
        tab.load_sql(sql)
        tab.run_statement()
        return tab

    def open_managed(self, query: ManagedSql) -> SqlTab:
        current = self.current_tab()
        reuse = not current.code and not current.editor.sql_text().strip() and not current.busy
        tab = current if reuse else self.new_tab(query.conid)
        tab.select_connection(query.conid)
        tab.load_sql(query.text)
        tab.set_managed(query.code, query.version, query.description, query.text, query.conid)
        return tab

    # -- connections and completion ---------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.refresh()  # connections may have changed on the Connections page

    def refresh(self) -> None:
        self._connections_task.start(list_connections, self.context, on_done=self._show_connections)
        self.queries.refresh()

    def _show_connections(self, connections: list[ConnectionDef]) -> None:
        first = not self._loaded_once
        self._loaded_once = True
        self.connections = connections
        for tab in self.tab_list():
            tab.set_connections(connections)
            if first and tab.connection() is None:
                tab.select_connection(self._default_conid())
        self._show_schema()
        self._update_actions()
        self.sig_connections_loaded.emit()

    def _default_conid(self) -> int | None:
        """The connection the user chose last, else the first one."""
        last = prefs.get_str(LAST_CONNECTION)
        for defn in self.connections:
            if defn.name == last:
                return defn.conid
        return self.connections[0].conid if self.connections else None

    def _tab_connection_changed(self, tab: SqlTab) -> None:
        target = tab.target()
        if tab is self.tabs.currentWidget():
            self._show_schema()
        if target is None:
            return
        words = self.completions.get(target.conid)
        if words is not None:
            tab.editor.set_completion_words(words)
        elif target.conid not in self._loading_words:
            self._loading_words.add(target.conid)
            self._word_tasks.append(
                run_in_background(
                    completion_words,
                    target,
                    on_done=lambda found: self._words_loaded(target.conid, found),
                    on_error=lambda _exc: self._loading_words.discard(target.conid),
                )
            )

    def _words_loaded(self, conid: int, words: CompletionWords) -> None:
        self._word_tasks = [t for t in self._word_tasks if not t.finished]
        self._loading_words.discard(conid)
        self.completions[conid] = words
        for tab in self.tab_list():
            target = tab.target()
            if target is not None and target.conid == conid:
                tab.editor.set_completion_words(words)

    # -- managed queries --------------------------------------------------------------------
    def save(self) -> None:
        tab = self.current_tab()
        text = tab.editor.sql_text()
        if not text.strip():
            tab.show_message("Nothing to save: write the query first.", "info")
            return
        defn = tab.connection()
        dialog = SaveQueryDialog(
            self.context,
            text,
            defn.conid if defn is not None else None,
            tab.code,
            tab.description,
            tab.version,
            self,
        )
        dialog.sig_saved.connect(lambda saved: self._saved(tab, saved))
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _saved(self, tab: SqlTab, saved: ManagedSql) -> None:
        tab.set_managed(saved.code, saved.version, saved.description, saved.text, saved.conid)
        self.status.setText(f"Saved {saved.code} as version {saved.version}.")
        self.queries.refresh()

    def show_versions(self, code: str) -> VersionsDialog | None:
        if not code:
            return None
        dialog = VersionsDialog(self.context, code, self)
        dialog.sig_open.connect(self.open_managed)
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def validate(self) -> None:
        self.validation.validate(self.current_tab())

    def cancel_tasks(self) -> None:
        """The window closes: stop every run and drop what is still loading."""
        self._connections_task.cancel()
        for task in self._word_tasks:
            task.cancel()
        self.schema.cancel()
        self.queries.cancel()
        self.validation.cancel()
        for tab in self.tab_list():
            tab.close_tab()


PAGE = PageSpec(
    module="sql",
    title="SQL",
    icon="sql",
    summary="SQL workbench and managed source queries",
    create=SqlPage,
)
