"""Table model of the connection definitions (rows are core ``ConnectionDef``s)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from dms_desktop.core.connections.model import DB_TYPES, ConnectionDef

COLUMNS = ("Name", "Type", "Target", "Description", "Password")

Index = QModelIndex | QPersistentModelIndex


def target_text(defn: ConnectionDef) -> str:
    """Where a connection points, without its type (that has a column of its own)."""
    if defn.dbtype == "SQLITE":
        return defn.database or ""
    port = defn.port or (DB_TYPES[defn.dbtype].default_port if defn.dbtype in DB_TYPES else None)
    where = defn.service if defn.dbtype == "ORACLE" else defn.database
    user = f"{defn.user}@" if defn.user else ""
    return f"{user}{defn.host or ''}{f':{port}' if port else ''}/{where or ''}"


class ConnectionsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.connections: list[ConnectionDef] = []

    def set_connections(self, connections: Sequence[ConnectionDef]) -> None:
        self.beginResetModel()
        self.connections = list(connections)
        self.endResetModel()

    def row_of(self, name: str) -> int:
        for row, defn in enumerate(self.connections):
            if defn.name.lower() == name.lower():
                return row
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.connections)

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

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        defn, column = self.connections[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return defn.name
            if column == 1:
                return DB_TYPES[defn.dbtype].label if defn.dbtype in DB_TYPES else defn.dbtype
            if column == 2:
                return target_text(defn)
            if column == 3:
                return defn.description or ""
            if defn.dbtype == "SQLITE":
                return "—"  # a file has no password
            return "yes" if defn.has_password else "no"
        if role == Qt.ItemDataRole.ToolTipRole and column in (2, 3):
            return target_text(defn) if column == 2 else defn.description
        if role == Qt.ItemDataRole.ToolTipRole and column == 4:
            return "Encrypted with the workspace key" if defn.has_password else None
        if role == Qt.ItemDataRole.UserRole:
            return defn
        return None
