"""Table model of the mapping list, and the proxy that filters it by text and table type."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from dms_desktop.core.mapping.model import Mapping
from dms_desktop.gui.home.model import format_timestamp
from dms_desktop.gui.jobs.display import status_colour

COLUMNS = (
    "Reference",
    "Target table",
    "Type",
    "Source SQL",
    "Connection",
    "Version",
    "Valid",
    "Updated by",
    "Updated",
)
REF, TABLE, TYPE, SQL, TARGET, VERSION, VALIDATED, BY, UPDATED = range(len(COLUMNS))
SORT_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


class MappingListModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.mappings: list[Mapping] = []
        self.connection_names: dict[int, str] = {}

    def set_mappings(self, mappings: Sequence[Mapping], connection_names: dict[int, str]) -> None:
        self.beginResetModel()
        self.mappings = list(mappings)
        self.connection_names = dict(connection_names)
        self.endResetModel()

    def row_of(self, ref: str) -> int:
        wanted = ref.upper()
        return next((i for i, m in enumerate(self.mappings) if m.ref.upper() == wanted), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.mappings)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def _text(self, mapping: Mapping, column: int) -> str:
        if column == REF:
            return mapping.ref
        if column == TABLE:
            return ".".join(p for p in (mapping.target_schema, mapping.table_name) if p)
        if column == TYPE:
            return mapping.table_type
        if column == SQL:
            return mapping.sql_code or ""
        if column == TARGET:
            conid = mapping.target_conid
            return self.connection_names.get(conid, f"#{conid}") if conid is not None else ""
        if column == VERSION:
            return str(mapping.version)
        if column == VALIDATED:
            return "✓" if mapping.validated else "✗"
        if column == BY:
            return mapping.updated_by or ""
        return f"{mapping.updated:%Y-%m-%d %H:%M}" if mapping.updated else ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        mapping, column = self.mappings[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(mapping, column)
        if role == SORT_ROLE:
            if column == VERSION:
                return mapping.version
            if column == UPDATED:
                return mapping.updated or datetime.min
            return self._text(mapping, column).lower()
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == REF:
                return mapping.description or None
            if column == TARGET:
                return "Target connection"
            if column == UPDATED:
                return format_timestamp(mapping.updated) + " UTC" if mapping.updated else None
            if column == VALIDATED:
                return "Validated" if mapping.validated else "Not validated since the last save"
        if role == Qt.ItemDataRole.ForegroundRole and column == VALIDATED:
            return status_colour("SUCCESS" if mapping.validated else "FAILED")
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (VERSION, VALIDATED):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.UserRole:
            return mapping
        return None


class MappingFilterModel(QSortFilterProxyModel):
    """Rows whose text contains every word of the filter, of the chosen table type."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.words: list[str] = []
        self.table_type = ""
        self.setSortRole(SORT_ROLE)

    def set_filter(self, text: str, table_type: str) -> None:
        self.beginFilterChange()
        self.words = text.lower().split()
        self.table_type = table_type
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        assert isinstance(model, MappingListModel)
        mapping = model.mappings[source_row]
        if self.table_type and mapping.table_type != self.table_type:
            return False
        if not self.words:
            return True
        haystack = " ".join(
            [model._text(mapping, c).lower() for c in (REF, TABLE, SQL, TARGET, BY)]
            + [(mapping.description or "").lower()]
        )
        return all(word in haystack for word in self.words)
