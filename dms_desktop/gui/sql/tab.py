"""One editor tab of the SQL page: its connection, the editor and the results of its runs."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.sqlstore.errors import SqlError, offset_of
from dms_desktop.core.sqlstore.runner import sorted_sql
from dms_desktop.core.sqlstore.validate import format_sql, statement_at
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.grid import PAGE_ROWS
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.sql.execution import (
    Outcome,
    Piece,
    RunHandle,
    StatementFailed,
    Target,
    explain_plan,
    run_pieces,
    script_pieces,
)
from dms_desktop.gui.sql.find_bar import FindBar
from dms_desktop.gui.sql.results import ResultsPanel
from dms_desktop.gui.sqledit import SqlEditor
from dms_desktop.gui.widgets import set_message
from dms_desktop.gui.workers import Task, run_in_background


class SqlTab(QWidget):
    sig_state_changed = Signal()  # busy, connection or title changed: the page updates
    sig_connection_changed = Signal()
    sig_connection_chosen = Signal(str)  # the user picked a connection (its name)
    sig_finished = Signal(object)  # a run, explain or format ended: the Outcome or the error

    def __init__(self, context: PageContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sqlTab")
        self.context = context
        self.default_title = title
        self.code: str | None = None  # the managed query this tab edits, if any
        self.version: int | None = None
        self.description: str | None = None
        self.saved_text: str | None = None  # the text of that version, as saved
        self.saved_conid: int | None = None
        self.task: Task | None = None
        self.handle: RunHandle | None = None
        self._sort_base: str | None = None  # the query a sorted run wraps
        self._pending_sort: str | None = None
        self._connections: list[ConnectionDef] = []

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Connection", self)
        self.connection_combo = QComboBox(self)
        self.connection_combo.setObjectName("connectionCombo")
        self.connection_combo.setMinimumWidth(160)
        self.connection_combo.setPlaceholderText("Choose a connection")
        self.connection_combo.currentIndexChanged.connect(self._connection_changed)
        self.connection_combo.activated.connect(
            lambda _index: self.sig_connection_chosen.emit(self.connection_combo.currentText())
        )
        self.managed_label = QLabel("", self)
        self.managed_label.setObjectName("mutedLabel")
        top.addWidget(label)
        top.addWidget(self.connection_combo)
        top.addStretch(1)
        top.addWidget(self.managed_label)

        self.editor = SqlEditor(self)
        self.find_bar = FindBar(self.editor, self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_message(self.message, "")
        upper = QWidget(self)
        column = QVBoxLayout(upper)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(self.editor, 1)
        column.addWidget(self.find_bar)
        column.addWidget(self.message)
        self.results = ResultsPanel(self)
        self.results.sig_sort_requested.connect(self.sort_by)
        self.results.history.sig_open_sql.connect(self.load_sql)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(self.results)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.splitter)

    # -- connection -------------------------------------------------------------------------
    def set_connections(self, connections: list[ConnectionDef]) -> None:
        """Fill the combo, keeping the chosen connection when it still exists."""
        current = self.connection()
        before = current.conid if current is not None else None
        self._connections = list(connections)
        combo = self.connection_combo
        combo.blockSignals(True)
        combo.clear()
        for defn in connections:
            combo.addItem(defn.name, defn.conid)
            combo.setItemData(combo.count() - 1, defn.display(), Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(combo.findData(before) if before is not None else -1)
        combo.blockSignals(False)
        after = self.connection()
        if (after.conid if after is not None else None) != before:
            self._connection_changed()

    def select_connection(self, conid: int | None) -> None:
        index = self.connection_combo.findData(conid) if conid is not None else -1
        if index >= 0:
            self.connection_combo.setCurrentIndex(index)

    def connection(self) -> ConnectionDef | None:
        index = self.connection_combo.currentIndex()
        return self._connections[index] if 0 <= index < len(self._connections) else None

    def target(self) -> Target | None:
        defn = self.connection()
        if defn is None or defn.conid is None:
            return None
        return Target(self.context.ws, self.context.user, defn.conid, defn.dialect)

    def _connection_changed(self, *_args: object) -> None:
        defn = self.connection()
        if defn is not None:
            self.editor.set_dialect(defn.dialect)
        self.editor.set_completion_words(None)
        self.results.set_connection(self.target())
        self.sig_connection_changed.emit()
        self.sig_state_changed.emit()

    # -- title ------------------------------------------------------------------------------
    def title(self) -> str:
        return self.code or self.default_title

    def set_managed(
        self,
        code: str | None,
        version: int | None,
        description: str | None,
        text: str | None = None,
        conid: int | None = None,
    ) -> None:
        self.code, self.version, self.description = code, version, description
        self.saved_text, self.saved_conid = text, conid
        self.managed_label.setText(f"Managed query {code}, version {version}" if code else "")
        self.sig_state_changed.emit()

    def connection_is_saved(self) -> bool:
        defn = self.connection()
        return defn is not None and defn.conid == self.saved_conid

    def load_sql(self, sql: str) -> None:
        self.editor.set_sql_text(sql)
        self.editor.gotoPos(0)
        QWidget.setFocus(self.editor)

    # -- messages ---------------------------------------------------------------------------
    def show_message(self, text: str, severity: str = "error") -> None:
        set_message(self.message, text, severity)

    def show_problem(self, text: str, offset: int | None, note: str | None = None) -> None:
        """An error under the editor, and its position marked in the text when known."""
        self.show_message(text)
        if offset is not None:
            self.editor.mark_error(offset, note or text)

    def _require_target(self) -> Target | None:
        target = self.target()
        if target is None:
            self.show_message("Choose a connection for this tab first.")
        return target

    # -- running ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.finished

    def run_statement(self) -> None:
        """The selection, or the statement under the cursor (Ctrl+Enter)."""
        target = self._require_target()
        if target is None or self.busy:
            return
        text = self.editor.sql_text()
        start, end = self.editor.selection_range()
        if end > start:
            piece = Piece(text[start:end], start)
        else:
            found = statement_at(text, self.editor.cursor_offset(), target.dialect)
            if found is None:
                self.show_message("Nothing to run: write a statement first.", "info")
                return
            piece = Piece(found.text, found.start)
        self._start(target, [piece], text)

    def run_script(self) -> None:
        """Every statement of the selection or of the whole text, one after another (F5)."""
        target = self._require_target()
        if target is None or self.busy:
            return
        text = self.editor.sql_text()
        start, end = self.editor.selection_range()
        chosen = text[start:end] if end > start else text
        pieces = [
            Piece(p.sql, (p.base or 0) + (start if end > start else 0))
            for p in script_pieces(chosen, target.dialect)
        ]
        if not pieces:
            self.show_message("Nothing to run: write a statement first.", "info")
            return
        self._start(target, pieces, text)

    def sort_by(self, column: str, descending: bool) -> None:
        """Run the shown query again with ORDER BY the column (never sorted in memory)."""
        target = self.results.target
        if target is None or self.busy or not self.results.sql:
            return
        base = self._sort_base or self.results.sql
        sql = sorted_sql(base, column, descending, target.dialect)
        self._start(target, [Piece(sql, None)], None, sort_base=base)

    def _start(
        self,
        target: Target,
        pieces: list[Piece],
        script: str | None,
        sort_base: str | None = None,
    ) -> None:
        self.editor.clear_error()
        self.show_message("")
        self.handle = RunHandle()
        self._pending_sort = sort_base
        self.results.show_running("Sorting…" if sort_base else "Running…")
        self.task = run_in_background(
            run_pieces,
            target,
            pieces,
            self.handle,
            PAGE_ROWS,
            script,
            on_done=lambda outcome: self._done(outcome, target),
            on_error=self._failed,
        )
        self.sig_state_changed.emit()

    def cancel(self) -> bool:
        """Stop the running statement on the server; False when nothing runs."""
        if not self.busy or self.handle is None:
            return False
        self.handle.cancel()
        self.results.show_running("Cancelling…")
        return True

    def _done(self, outcome: Outcome, target: Target) -> None:
        self.task = None
        sorting = self._pending_sort is not None
        self._sort_base = self._pending_sort
        self.results.show_outcome(outcome, target)
        if sorting and outcome.run is not None:
            view = self.results.view
            view.show_sort(view.sort_column, view.sort_order)
        elif outcome.run is not None:
            self.results.view.reset_sort()
        self.sig_state_changed.emit()
        self.sig_finished.emit(outcome)

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        if isinstance(exc, StatementFailed):
            self.results.add_messages(exc.messages)
            if exc.cancelled:
                self.show_message("Query cancelled.", "info")
                self.results.show_notice("Query cancelled.")
            else:
                self.show_problem(exc.message, exc.offset)
                self.results.show_failure()
        else:
            text, _known = user_message(exc)
            self.show_message(text)
            self.results.show_failure()
        self.sig_state_changed.emit()
        self.sig_finished.emit(exc)

    # -- explain and format -----------------------------------------------------------------
    def explain(self) -> None:
        target = self._require_target()
        if target is None or self.busy:
            return
        text = self.editor.sql_text()
        start, end = self.editor.selection_range()
        found = statement_at(text, self.editor.cursor_offset(), target.dialect)
        if end > start:
            piece = Piece(text[start:end], start)
        elif found is not None:
            piece = Piece(found.text, found.start)
        else:
            return
        self.editor.clear_error()
        self.show_message("")
        self.results.show_running("Explaining…")
        self.task = run_in_background(
            explain_plan, target, piece, on_done=self._explained, on_error=self._failed
        )
        self.sig_state_changed.emit()

    def _explained(self, lines: list[str]) -> None:
        self.task = None
        self.results.show_plan(lines)
        self.results.show_failure()  # restores the status of the rows still shown
        self.sig_state_changed.emit()
        self.sig_finished.emit(lines)

    def format_text(self) -> None:
        text = self.editor.sql_text()
        defn = self.connection()
        dialect = defn.dialect if defn is not None else "postgres"
        if not text.strip() or self.busy:
            return
        self.task = run_in_background(
            format_sql, text, dialect, on_done=self._formatted, on_error=self._format_failed
        )
        self.sig_state_changed.emit()

    def _formatted(self, formatted: str) -> None:
        self.task = None
        self.editor.replace_text(formatted)
        self.show_message("")
        self.sig_state_changed.emit()
        self.sig_finished.emit(formatted)

    def _format_failed(self, exc: BaseException) -> None:
        self.task = None
        if isinstance(exc, SqlError) and exc.line:
            text = self.editor.sql_text()
            offset = offset_of(text, exc.line, exc.column or 1)
            self.show_problem(f"Cannot format: {exc.message}", offset)
        else:
            self.show_message(f"Cannot format: {user_message(exc)[0]}")
        self.sig_state_changed.emit()
        self.sig_finished.emit(exc)

    # -- closing ----------------------------------------------------------------------------
    def close_tab(self) -> None:
        """Stop what runs and give the result's connection back (the tab is going away)."""
        if self.busy:
            if self.handle is not None:
                self.handle.cancel()  # the worker closes a result nobody will see
            if self.task is not None:
                self.task.cancel()  # nothing is delivered to a deleted tab
        self.results.close_result()
        self.results.exporter.cancel()
        self.results.history.cancel()
