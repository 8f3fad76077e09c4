"""Step 3: the target table, the column mapping and each column's rules, the load mode.

Connections, tables and the table's columns are read in workers. An existing table's columns
are matched to the file's by normalised name; a table that does not exist is proposed from the
file (names made plain, types inferred) and everything about it is editable, with its CREATE
TABLE shown before anything runs.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QWidget,
)

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.mapping.types import type_choices
from dms_desktop.core.uploads import MODES
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.uploads.mapping_model import (
    NOT_LOADED,
    RULES,
    SOURCE,
    TYPE,
    ChoiceDelegate,
    MappingModel,
)
from dms_desktop.gui.uploads.rules_dialog import RulesDialog
from dms_desktop.gui.uploads.steps import Step
from dms_desktop.gui.uploads.work import Draft, TargetInfo, connections, ddl_text, describe, tables
from dms_desktop.gui.workers import TaskSlot

MODE_LABELS = {
    "APPEND": "Append rows",
    "REPLACE": "Replace the contents",
    "UPSERT": "Upsert by key",
}


class MappingStep(Step):
    title = "3 · Mapping and rules"
    guidance = (
        "Choose the table (a name that does not exist makes a new one), check which file column "
        "feeds each table column, mark the key, and double-click Rules to trim, convert or map "
        "values."
    )

    def __init__(self, context: PageContext, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(context, draft, parent)
        self._connections_task, self._tables_task, self._describe_task = (
            TaskSlot(),
            TaskSlot(),
            TaskSlot(),
        )
        self.connections: list[ConnectionDef] = []
        self.info: TargetInfo | None = None
        self.dialog: RulesDialog | None = None
        row = QHBoxLayout()
        self.connection_combo = QComboBox(self)
        self.connection_combo.setMinimumWidth(150)
        self.schema_edit = QLineEdit(self)
        self.schema_edit.setPlaceholderText("default schema")
        self.schema_edit.setMaximumWidth(130)
        self.table_combo = QComboBox(self)
        self.table_combo.setEditable(True)
        self.table_combo.setMinimumWidth(180)
        table_edit = self.table_combo.lineEdit()
        assert table_edit is not None
        table_edit.setPlaceholderText("table (new or existing)")
        for label, widget in (("Connection", self.connection_combo), ("Schema", self.schema_edit),
                              ("Table", self.table_combo)):  # fmt: skip
            row.addWidget(QLabel(label, self))
            row.addWidget(widget)
        row.addStretch(1)
        self.outer.addLayout(row)
        options = QHBoxLayout()
        self.mode_combo = QComboBox(self)
        for mode in MODES:
            self.mode_combo.addItem(MODE_LABELS[mode], mode)
        self.rejects_spin = QSpinBox(self)
        self.rejects_spin.setRange(0, 10_000_000)
        self.rejects_spin.setSpecialValueText("none: all-or-nothing")
        self.rejects_spin.setToolTip(
            "How many bad rows may be skipped (written beside the file as .rejects.csv); more "
            "and nothing is loaded"
        )
        self.rejects_spin.setMinimumWidth(150)
        self.batch_spin = QSpinBox(self)

        self.batch_spin.setRange(100, 1_000_000)
        self.batch_spin.setSingleStep(10_000)
        for label, field in (("Mode", self.mode_combo), ("Bad rows to skip", self.rejects_spin),
                             ("Rows per batch", self.batch_spin)):  # fmt: skip
            options.addWidget(QLabel(label, self))
            options.addWidget(field)
        options.addStretch(1)
        self.outer.addLayout(options)
        self.target_note = QLabel(self)
        self.target_note.setObjectName("mutedLabel")
        self.outer.addWidget(self.target_note)
        self.model = MappingModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("mappingView")
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(28)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(RULES, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 130), (1, 120), (2, 150), (3, 46), (4, 70), (6, 110)):
            self.view.setColumnWidth(column, width)
        self.source_delegate = ChoiceDelegate(lambda _i: [NOT_LOADED, *self.model.file_columns])
        self.type_delegate = ChoiceDelegate(lambda _i: type_choices(self.draft.dialect), True)
        self.view.setItemDelegateForColumn(SOURCE, self.source_delegate)
        self.view.setItemDelegateForColumn(TYPE, self.type_delegate)
        self.view.doubleClicked.connect(self._double_clicked)
        self.outer.addWidget(self.view, 1)
        self.rules_button = QPushButton("Rules…", self)
        self.rules_button.setToolTip("Edit the rules of the selected column")
        self.rules_button.clicked.connect(lambda _c=False: self.edit_rules())
        self.outer.addWidget(self.rules_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.ddl = QPlainTextEdit(self)
        self.ddl.setObjectName("ddlPreview")
        self.ddl.setReadOnly(True)
        self.ddl.setMaximumHeight(120)
        self.ddl.hide()
        self.outer.addWidget(self.ddl)
        self.connection_combo.currentIndexChanged.connect(lambda _i: self._connection_changed())
        self.table_combo.activated.connect(lambda _i: self.describe())
        table_edit.editingFinished.connect(self.describe)
        self.schema_edit.editingFinished.connect(self._connection_changed)
        self.model.dataChanged.connect(lambda *_a: self._mapping_changed())
        self._filling = False

    # -- entering -------------------------------------------------------------------------
    def enter(self) -> None:
        draft = self.draft
        self._filling = True
        self.mode_combo.setCurrentIndex(max(self.mode_combo.findData(draft.mode), 0))
        self.rejects_spin.setValue(draft.max_rejects)
        self.batch_spin.setValue(draft.batch_rows)
        self.schema_edit.setText(draft.schema or "")
        if draft.table:
            self.table_combo.setEditText(draft.table)
        self._filling = False
        self.set_ready(False)
        if not self.connections:
            self.say("Reading the connections…", "info")
            self._connections_task.start(
                connections, self.context, on_done=self._got_connections, on_error=self._failed
            )
        else:
            self.describe()

    def _got_connections(self, found: list[ConnectionDef]) -> None:
        self.connections = [c for c in found if c.conid is not None]
        self._filling = True
        self.connection_combo.clear()
        for conn in self.connections:
            self.connection_combo.addItem(f"{conn.name}  ({conn.type.label})", conn.conid)
        at = self.connection_combo.findData(self.draft.conid) if self.draft.conid else -1
        self.connection_combo.setCurrentIndex(max(at, 0))
        self._filling = False
        if not self.connections:
            self.say("No connection to load into: create one on the Connections page first.")
            return
        self.say("")
        self._connection_changed()

    def _connection_changed(self) -> None:
        if self._filling or self.connection_combo.currentIndex() < 0:
            return
        conid = int(self.connection_combo.currentData())
        self._tables_task.start(
            tables,
            self.context,
            conid,
            self.schema_edit.text().strip() or None,
            on_done=self._got_tables,
            on_error=self._failed,
        )
        self.describe()

    def _got_tables(self, names: list[str]) -> None:
        typed = self.table_combo.currentText()
        self._filling = True
        self.table_combo.clear()
        self.table_combo.addItems(names)
        self.table_combo.setEditText(typed)
        self._filling = False

    def describe(self) -> None:
        """Read the chosen table's columns and map the file onto them (a worker)."""
        table = self.table_combo.currentText().strip()
        profile = self.draft.profile
        if (
            self._filling
            or not table
            or profile is None
            or self.connection_combo.currentIndex() < 0
        ):
            self.set_ready(False)
            return
        conid = int(self.connection_combo.currentData())
        schema = self.schema_edit.text().strip() or None
        self.set_ready(False)
        self._describe_task.start(
            describe, self.context, conid, schema, table, profile,
            on_done=lambda info: self._described(conid, schema, info), on_error=self._failed,
        )  # fmt: skip

    @property
    def busy(self) -> bool:
        return self._describe_task.busy or self._connections_task.busy

    def _described(self, conid: int, schema: str | None, info: TargetInfo) -> None:
        draft = self.draft
        rows = info.columns
        if draft.columns and draft.conid == conid and draft.table.lower() == info.table.lower():
            saved = {c.target.lower(): c for c in draft.columns}
            if info.exists:
                rows = [saved.get(r.target.lower(), replace(r, source=None)) for r in rows]
            else:
                rows = list(draft.columns)
        self.info = info
        draft.conid, draft.schema, draft.dialect = conid, schema, info.dialect
        draft.table, draft.exists, draft.targets = info.table, info.exists, info.targets
        locked = {t.name for t in info.targets if not t.nullable}
        self.model.set_rows(rows, draft.profile, new_table=not info.exists, locked_required=locked)
        loaded = len(self.model.loaded())
        if info.exists:
            self.target_note.setText(
                f"Existing table {info.table}: {len(info.targets)} columns, {loaded} fed from the "
                "file (matched by name)."
            )
        else:
            self.target_note.setText(
                f"{info.table} does not exist: it will be created with the columns below (names "
                "and types are yours to change) in the same transaction as the load."
            )
        self.say("")
        self._mapping_changed()

    def _mapping_changed(self) -> None:
        if self.info is None:
            return
        if not self.info.exists:
            self.ddl.show()
            try:
                self.ddl.setPlainText(
                    ddl_text(
                        self.info.table, self.draft.schema, self.model.rows, self.draft.dialect
                    )
                )
            except Exception as exc:  # noqa: BLE001 - shown as what is wrong with the table
                self.ddl.setPlainText(f"-- {user_message(exc)[0]}")
        else:
            self.ddl.hide()
        self.set_ready(bool(self.model.loaded()))

    def _failed(self, exc: BaseException) -> None:
        self.say(user_message(exc)[0])
        self.set_ready(False)

    # -- rules ----------------------------------------------------------------------------
    def _double_clicked(self, index: QModelIndex) -> None:
        if index.column() == RULES:
            self.edit_rules(index.row())

    def edit_rules(self, row: int | None = None) -> RulesDialog | None:
        if row is None:
            rows = self.view.selectionModel().selectedRows()
            row = rows[0].row() if rows else self.view.currentIndex().row()
        if row < 0 or row >= self.model.rowCount():
            return None
        spec = self.model.rows[row]
        dialog = RulesDialog(spec, self)
        dialog.sig_rule.connect(lambda rule: self.model.set_row(row, replace(spec, rule=rule)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    # -- leaving --------------------------------------------------------------------------
    def leave(self) -> bool:
        draft = self.draft
        if self.info is None:
            return False
        draft.columns = list(self.model.rows)
        draft.mode = str(self.mode_combo.currentData())
        draft.max_rejects = self.rejects_spin.value()
        draft.batch_rows = self.batch_spin.value()
        draft.validation = None
        if draft.mode == "UPSERT" and not any(c.key for c in self.model.loaded()):
            self.say("Upsert needs a key: tick Key for the column(s) that identify a row.")
            return False
        return True

    def cancel_tasks(self) -> None:
        for task in (self._connections_task, self._tables_task, self._describe_task):
            task.cancel()
