"""The definition of one report as a form: name, connection, SQL, parameters, column formats,
layout and output. Built-in reports are shown read-only."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.reports import ReportDef, check_definition
from dms_desktop.gui.reports.layout_form import LayoutForm, OutputForm
from dms_desktop.gui.reports.tables import ColumnsEditor, ParamsEditor
from dms_desktop.gui.sqledit import SqlEditor
from dms_desktop.gui.widgets import set_message

METADATA = -1  # the connection combo's data for "Metadata database"
METADATA_TEXT = "Metadata database"
PARAMS_TAB, COLUMNS_TAB, LAYOUT_TAB, OUTPUT_TAB = range(4)


def pretty_sql(sql: str, dialect: str) -> str:
    """A built-in's SQL (compiled by SQLAlchemy on few long lines) laid out for reading."""
    import sqlglot
    from sqlglot.errors import SqlglotError

    try:
        return sqlglot.transpile(sql, read=dialect, write=dialect, pretty=True)[0]
    except (SqlglotError, IndexError, ValueError):
        return sql


def problem_lines(message: str) -> str:
    """check_definition's '; '-joined problems, one per line."""
    parts = [p.strip().rstrip(".") for p in message.split("; ") if p.strip()]
    return "\n".join(f"• {p}." for p in parts) if len(parts) > 1 else message


class ReportEditor(QWidget):
    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportEditor")
        self.base: ReportDef = ReportDef(name="", sql="")
        self.read_only = False
        self.metadata_dialect = "sqlite"
        self._dialects: dict[int, str] = {}
        self._clean: ReportDef | None = None
        self._loading = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_message(self.problems, "")
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        set_message(self.note, "")
        layout.addWidget(self.problems)
        layout.addWidget(self.note)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("reportName")
        self.name_edit.setPlaceholderText("e.g. SALES_BY_MONTH")
        self.name_edit.setMaxLength(50)
        self.description_edit = QLineEdit(self)
        self.description_edit.setPlaceholderText("What the report shows, for whom")
        self.description_edit.setMaxLength(500)
        self.connection_combo = QComboBox(self)
        self.connection_combo.setObjectName("reportConnection")
        self.connection_combo.addItem(METADATA_TEXT, METADATA)
        self.connection_combo.setToolTip("The database the SQL runs on")
        form.addRow("Name", self.name_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Connection", self.connection_combo)
        layout.addLayout(form)

        self.sql_edit = SqlEditor(self)
        self.sql_edit.setMinimumHeight(110)
        self.sql_edit.setToolTip("One query; :name marks a parameter")
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.params_editor = ParamsEditor(self)
        self.columns_editor = ColumnsEditor(self)
        self.layout_form = LayoutForm(self)
        self.output_form = OutputForm(self)
        self.tabs.addTab(self.params_editor, "Parameters")
        self.tabs.addTab(self.columns_editor, "Columns")
        self.tabs.addTab(self.layout_form, "Layout")
        self.tabs.addTab(self.output_form, "Scheduled output")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.sql_edit)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)

        for edit in (self.name_edit, self.description_edit):
            edit.textChanged.connect(lambda _t: self._changed())
        self.connection_combo.currentIndexChanged.connect(lambda _i: self._connection_changed())
        self.sql_edit.modified.connect(lambda *_a: self._changed())
        for part in (self.params_editor, self.columns_editor, self.layout_form, self.output_form):
            part.sig_changed.connect(self._changed)
        self._clean = self._snapshot()  # nothing shown yet: nothing to lose

    # -- connections -----------------------------------------------------------------------------
    def set_connections(self, connections: list[tuple[int, str, str]], metadata: str) -> None:
        """(conid, name, sqlglot dialect) of each connection; the metadata database's dialect."""
        self.metadata_dialect = metadata
        self._dialects = {conid: dialect for conid, _name, dialect in connections}
        current = self.connection_combo.currentData()
        self.connection_combo.blockSignals(True)
        self.connection_combo.clear()
        self.connection_combo.addItem(METADATA_TEXT, METADATA)
        for conid, name, _dialect in connections:
            self.connection_combo.addItem(name, conid)
        self._select_connection(current)
        self.connection_combo.blockSignals(False)

    def _select_connection(self, conid: int | None) -> None:
        data = METADATA if conid is None else conid
        index = self.connection_combo.findData(data)
        if index < 0:  # a connection this user may not list
            self.connection_combo.addItem(f"Connection {conid}", data)
            index = self.connection_combo.count() - 1
        self.connection_combo.setCurrentIndex(index)

    def conid(self) -> int | None:
        data = self.connection_combo.currentData()
        return None if data in (None, METADATA) else int(data)

    def _connection_changed(self) -> None:
        conid = self.conid()
        dialect = self.metadata_dialect if conid is None else self._dialects.get(conid, "postgres")
        self.sql_edit.set_dialect(dialect)
        self._changed()

    # -- the definition --------------------------------------------------------------------------
    def set_definition(self, defn: ReportDef, read_only: bool) -> None:
        self._loading = True
        self.base = defn
        self.name_edit.setText(defn.name)
        self.description_edit.setText(defn.description or "")
        self.connection_combo.blockSignals(True)
        self._select_connection(defn.conid)
        self.connection_combo.blockSignals(False)
        self._connection_changed()
        self.sql_edit.setReadOnly(False)
        dialect = self.metadata_dialect if defn.conid is None else self._dialects.get(defn.conid)
        shown = pretty_sql(defn.sql, dialect or "postgres") if defn.builtin else defn.sql
        self.sql_edit.set_sql_text(shown)
        self.params_editor.set_params(defn.params)
        self.columns_editor.set_columns(defn.columns)
        self.layout_form.set_template(defn.template)
        self.output_form.set_output(defn)
        self.set_read_only(read_only)
        # A saved report keeps its name: another name is a new report (Copy).
        self.name_edit.setReadOnly(read_only or defn.version > 0)
        self.show_problems("")
        self._loading = False
        self._clean = self._snapshot()

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for edit in (self.name_edit, self.description_edit):
            edit.setReadOnly(read_only)
        self.connection_combo.setEnabled(not read_only)
        self.sql_edit.setReadOnly(read_only)
        for part in (self.params_editor, self.columns_editor, self.layout_form, self.output_form):
            part.set_read_only(read_only)
        note = (
            "Built-in report: read-only. Copy it to make a report of your own."
            if (read_only and self.base.builtin)
            else ""
        )
        set_message(self.note, note, "info")

    def definition(self) -> ReportDef:
        """The form as a definition; ``ValidationError`` names the cells it cannot read."""
        problems: list[str] = []
        params = self.params_editor.params(problems)
        columns = self.columns_editor.columns(problems)
        if problems:
            raise ValidationError("; ".join(problems) + ".")
        output = self.output_form.output()
        return replace(
            self.base,
            name=self.name_edit.text().strip(),
            description=self.description_edit.text().strip() or None,
            conid=self.conid(),
            sql=self.sql_edit.sql_text(),
            params=params,
            columns=columns,
            template=self.layout_form.template(),
            output_folder=output["output_folder"],
            file_pattern=output["file_pattern"],
            output_format=output["output_format"],  # type: ignore[arg-type]
        )

    def checked_definition(self) -> ReportDef | None:
        """The definition when ``check_definition`` accepts it; else None, problems shown."""
        try:
            defn = self.definition()
            check_definition(defn)
        except ValidationError as exc:
            self.show_problems(exc.message)
            return None
        self.show_problems("")
        return defn

    def show_problems(self, message: str) -> None:
        set_message(self.problems, problem_lines(message) if message else "")

    def problems_text(self) -> str:
        return self.problems.text()

    def _snapshot(self) -> ReportDef | None:
        try:
            return self.definition()
        except ValidationError:
            return None

    def is_modified(self) -> bool:
        return not self.read_only and self._snapshot() != self._clean

    def mark_clean(self) -> None:
        self._clean = self._snapshot()

    def mark_new(self) -> None:
        """A report not saved yet: modified from the start."""
        self._clean = None

    def _changed(self) -> None:
        if not self._loading:
            self.sig_changed.emit()
