"""The mapping's header: reference, source, target, table type, frequency and load options.

The form does not change the mapping: a user's edit becomes ``sig_edited(attr, old, new)``,
the editor pushes an undo command, and the command writes the value back with ``set_value``
(signals blocked). Text fields report when editing finishes; ``commit_pending`` reports text
still being typed when a toolbar button is clicked (the field keeps the focus then).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from dms_desktop.core.connections.model import ConnectionDef
from dms_desktop.core.mapping.model import FREQUENCY_CODES, TABLE_TYPES, Mapping
from dms_desktop.core.mapping.names import dialect_label
from dms_desktop.core.sqlstore.service import ManagedSql

FREQUENCY_LABELS = {
    "": "—",
    "YR": "YR · yearly",
    "HY": "HY · half-yearly",
    "QT": "QT · quarterly",
    "MN": "MN · monthly",
    "FN": "FN · fortnightly",
    "WK": "WK · weekly",
    "DL": "DL · daily",
    "ID": "ID · intraday",
}
SOURCE_DELETE_LABELS = {"IGNORE": "Ignore them", "CLOSE": "Close the current version"}
INVALID_STYLE = "QLineEdit, QComboBox { border: 1px solid #d1242f; }"
# attr -> label, in three columns: the mapping, its source, its target.
LAYOUT = (
    (("ref", "Reference"), ("sql_code", "Source SQL"), ("target_conid", "Target connection")),
    (
        ("description", "Description"),
        ("source_system", "Source system"),
        ("target_schema", "Target schema"),
    ),  # fmt: skip
    (("freq_code", "Frequency"), ("bulk_rows", "Bulk rows"), ("table_name", "Table name")),
    (
        ("error_threshold", "Error threshold"),
        ("on_source_delete", "Rows gone from source"),
        ("table_type", "Table type"),
    ),  # fmt: skip
)
TITLES = {attr: title for row in LAYOUT for attr, title in row}
NOT_NULL_TEXT = ("ref", "table_name")  # str fields of Mapping (others are Optional)
NUMBERS = {  # attr -> (placeholder, tooltip)
    "bulk_rows": ("default (10,000)", "Rows per chunk moved to the target (BLKPRCROWS)"),
    "error_threshold": ("0 · any bad row fails the run", "Bad rows set aside before the run fails"),
}


class HeaderForm(QWidget):
    sig_edited = Signal(str, object, object)  # attribute, old value, new value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mappingHeader")
        self._values: dict[str, Any] = {}
        self._loading = False
        self.widgets: dict[str, QWidget] = {}
        self.lines: dict[str, QLineEdit] = {}
        self._tips: dict[str, str] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        for r, row in enumerate(LAYOUT):
            for c, (attr, title) in enumerate(row):
                widget = self._make(attr)
                widget.setObjectName(f"header_{attr}")
                label = QLabel(title, self)
                label.setBuddy(widget)
                grid.addWidget(label, r, c * 2)
                grid.addWidget(widget, r, c * 2 + 1)
                self.widgets[attr] = widget
                self._tips[attr] = widget.toolTip()
        for c in range(3):
            grid.setColumnStretch(c * 2 + 1, 1)

    # -- construction ---------------------------------------------------------------------
    def _make(self, attr: str) -> QWidget:
        if attr in ("sql_code", "target_conid", "table_type", "freq_code", "on_source_delete"):
            combo = QComboBox(self)
            combo.setMinimumWidth(150)
            if attr == "table_type":
                for kind in TABLE_TYPES:
                    combo.addItem(kind, kind)
            elif attr == "freq_code":
                for code in ("", *FREQUENCY_CODES):
                    combo.addItem(FREQUENCY_LABELS[code], code or None)
            elif attr == "on_source_delete":
                for code, label in SOURCE_DELETE_LABELS.items():
                    combo.addItem(label, code)
            combo.activated.connect(lambda _i, a=attr, w=combo: self._edited(a, w.currentData()))
            return combo
        line = QLineEdit(self)
        line.editingFinished.connect(lambda a=attr: self._line_done(a))
        self.lines[attr] = line
        if attr in NUMBERS:  # a line, not a spin box: empty means "not set"
            line.setValidator(QIntValidator(0, 1_000_000_000, line))
            line.setPlaceholderText(NUMBERS[attr][0])
            line.setToolTip(NUMBERS[attr][1])
        if attr == "ref":
            line.setPlaceholderText("e.g. DIM_CUSTOMER")
        elif attr == "table_name":
            line.setPlaceholderText("Target table")
        elif attr == "target_schema":
            line.setPlaceholderText("the connection's default")
        return line

    # -- values ---------------------------------------------------------------------------
    def set_mapping(self, mapping: Mapping) -> None:
        for attr in self.widgets:
            self.set_value(attr, getattr(mapping, attr))

    def value(self, attr: str) -> Any:
        return self._values.get(attr)

    def set_value(self, attr: str, value: Any) -> None:
        """Show ``value`` without reporting it as an edit."""
        self._values[attr] = value
        widget = self.widgets[attr]
        self._loading = True
        try:
            if isinstance(widget, QLineEdit):
                text = "" if value is None else str(value)
                if widget.text() != text:
                    widget.setText(text)
                    widget.setCursorPosition(0)
            elif isinstance(widget, QComboBox):
                found = widget.findData(value)
                if found < 0 and value is not None:  # e.g. a query deleted since
                    widget.addItem(f"{value} (missing)", value)
                    found = widget.count() - 1
                widget.setCurrentIndex(max(found, 0))
        finally:
            self._loading = False

    def set_connections(self, connections: list[ConnectionDef]) -> None:
        combo = self.widgets["target_conid"]
        assert isinstance(combo, QComboBox)
        combo.clear()
        combo.addItem("—", None)
        for defn in connections:
            combo.addItem(f"{defn.name} ({dialect_label(defn.dialect)})", defn.conid)
            combo.setItemData(combo.count() - 1, defn.display(), Qt.ItemDataRole.ToolTipRole)
        self.set_value("target_conid", self._values.get("target_conid"))

    def set_queries(self, queries: list[ManagedSql]) -> None:
        combo = self.widgets["sql_code"]
        assert isinstance(combo, QComboBox)
        combo.clear()
        combo.addItem("—", None)
        for query in queries:
            combo.addItem(query.code, query.code)
            if query.description:
                combo.setItemData(combo.count() - 1, query.description, Qt.ItemDataRole.ToolTipRole)
        self.set_value("sql_code", self._values.get("sql_code"))

    def _line_value(self, attr: str) -> Any:
        text = self.lines[attr].text().strip()
        if attr in NUMBERS:
            return int(text) if text.isdigit() else None
        return text if attr in NOT_NULL_TEXT else text or None

    def _line_done(self, attr: str) -> None:
        self._edited(attr, self._line_value(attr))

    def _edited(self, attr: str, new: Any) -> None:
        old = self._values.get(attr)
        if self._loading or old == new:
            return
        self._values[attr] = new
        self.sig_edited.emit(attr, old, new)

    def commit_pending(self) -> None:
        for attr in self.lines:
            self._line_done(attr)

    def has_pending(self) -> bool:
        return any(self._line_value(attr) != self._values.get(attr) for attr in self.lines)

    # -- state ----------------------------------------------------------------------------
    def set_editable(self, editable: bool, ref_editable: bool) -> None:
        for attr, widget in self.widgets.items():
            allowed = editable and (attr != "ref" or ref_editable)
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(not allowed)
                widget.style().unpolish(widget)  # the style sheet greys read-only fields
                widget.style().polish(widget)
            else:
                widget.setEnabled(allowed)
        self._tips["ref"] = (
            "" if ref_editable else "The reference of a saved mapping is fixed: Copy it instead"
        )
        self.widgets["ref"].setToolTip(self._tips["ref"])

    def mark(self, problems: dict[str, str]) -> None:
        """Red border and the message as tooltip on the fields with a problem."""
        for attr, widget in self.widgets.items():
            message = problems.get(attr)
            widget.setStyleSheet(INVALID_STYLE if message else "")
            widget.setProperty("problem", message or "")
            widget.setToolTip(message or self._tips.get(attr, ""))
