"""Validate the editor's query as a managed source query: one SELECT, described by the database.

When the text is the saved version of the tab's managed query, the code is validated, so the
core stores the outcome and the described columns for the mapper.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from dms_desktop.core.sqlstore.errors import offset_of
from dms_desktop.core.sqlstore.service import SqlService, ValidationResult
from dms_desktop.core.sqlstore.validate import strip_statement
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.sql.tab import SqlTab
from dms_desktop.gui.workers import TaskSlot

COLUMNS_SHOWN = 8


def validate_sql(
    context: PageContext, text: str, conid: int | None, code: str | None
) -> ValidationResult:
    return SqlService(context.ws, context.user).validate(code or text, conid)


def columns_text(result: ValidationResult) -> str:
    shown = [f"{c.name} ({c.type.lower()})" if c.type else c.name for c in result.columns]
    more = len(shown) - COLUMNS_SHOWN
    listed = ", ".join(shown[:COLUMNS_SHOWN]) + (f" and {more} more" if more > 0 else "")
    count = len(result.columns)
    return f"✓ Valid: one SELECT returning {count} column{'' if count == 1 else 's'}: {listed}."


class ValidationRunner(QObject):
    sig_done = Signal(object)  # the ValidationResult, or the exception

    def __init__(self, context: PageContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._task = TaskSlot()

    def cancel(self) -> None:
        self._task.cancel()

    def validate(self, tab: SqlTab) -> None:
        text = tab.editor.sql_text()
        defn = tab.connection()
        if defn is None:
            tab.show_message("Choose a connection for this tab first.")
            return
        saved = tab.saved_text is not None and strip_statement(text) == strip_statement(
            tab.saved_text
        )
        code = tab.code if saved and tab.connection_is_saved() else None
        tab.editor.clear_error()
        tab.show_message("Validating…", "info")
        self._task.start(
            validate_sql,
            self.context,
            text,
            defn.conid,
            code,
            on_done=lambda result: self._show(tab, text, result),
            on_error=lambda exc: self._failed(tab, exc),
        )

    def _show(self, tab: SqlTab, text: str, result: ValidationResult) -> None:
        if result.ok:
            tab.show_message(columns_text(result), "info")
            tab.results.add_messages(
                ["Validated: result columns"]
                + [f"  {c.name}  {c.type or '?'}" for c in result.columns]
            )
        else:
            lines = [str(p) for p in result.problems]
            first = result.problems[0]
            offset = offset_of(text, first.line, first.column or 1) if first.line else None
            tab.show_problem("✗ " + "\n✗ ".join(lines), offset, first.message)
            tab.results.add_messages(["Validation failed:", *lines])
        self.sig_done.emit(result)

    def _failed(self, tab: SqlTab, exc: BaseException) -> None:
        tab.show_message(f"Could not validate: {user_message(exc)[0]}")
        self.sig_done.emit(exc)
