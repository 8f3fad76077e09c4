"""Schema browser: schemas -> tables and views -> columns, each level loaded when expanded."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QLabel, QMenu, QTreeView, QVBoxLayout, QWidget
from sqlglot import exp

from dms_desktop.core.catalog import Catalog, ColumnInfo, TableInfo
from dms_desktop.core.sqlstore.validate import sqlglot_dialect
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.sql.execution import Target
from dms_desktop.gui.workers import run_in_background

KIND = Qt.ItemDataRole.UserRole + 1  # schema | table | view | column | placeholder
SCHEMA = Qt.ItemDataRole.UserRole + 2
TABLE = Qt.ItemDataRole.UserRole + 3
LOADED = Qt.ItemDataRole.UserRole + 4
TOP_ROWS = 100


def _identifier(name: str) -> exp.Identifier:
    """Quoted only when the database would not find it unquoted (SQLAlchemy's lower case)."""
    plain = name == name.lower() and exp.SAFE_IDENTIFIER_RE.match(name) is not None
    return exp.to_identifier(name, quoted=not plain)


def top_rows_sql(schema: str | None, table: str, dialect: str, default: str | None) -> str:
    """``SELECT * FROM [schema.]table`` limited to 100 rows, in the connection's dialect."""
    db = _identifier(schema) if schema and schema != default else None
    query = exp.select("*").from_(exp.Table(this=_identifier(table), db=db)).limit(TOP_ROWS)
    return query.sql(dialect=sqlglot_dialect(dialect))


def qualified(schema: str | None, table: str, dialect: str, default: str | None) -> str:
    db = _identifier(schema) if schema and schema != default else None
    return exp.Table(this=_identifier(table), db=db).sql(dialect=sqlglot_dialect(dialect))


def load_schemas(target: Target) -> tuple[list[str], str | None]:
    catalog = Catalog(target.engine(), target.dialect)
    return catalog.schemas(), catalog.default_schema()


def load_tables(target: Target, schema: str) -> list[TableInfo]:
    return Catalog(target.engine(), target.dialect).tables(schema)


def load_columns(target: Target, schema: str, table: str) -> list[ColumnInfo]:
    return Catalog(target.engine(), target.dialect).columns(schema, table)


def column_details(column: ColumnInfo) -> str:
    parts = [column.type.lower() if column.type else "?"]
    if column.primary_key:
        parts.append("key")
    parts.append("null" if column.nullable else "not null")
    return " · ".join(parts)


def _item(text: str, kind: str, **data: Any) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(kind, KIND)
    for role, value in data.items():
        item.setData(value, {"schema": SCHEMA, "table": TABLE}[role])
    return item


def _detail(text: str) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    return item


class SchemaBrowser(QWidget):
    """``sig_select_top(sql)``: the user asked for the first rows of a table or view."""

    sig_select_top = Signal(str)
    sig_loaded = Signal(object)  # the index of the node whose children arrived (tests)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target: Target | None = None
        self.default_schema: str | None = None
        self.title = QLabel("Schema", self)
        self.title.setObjectName("sectionTitle")
        self.model = QStandardItemModel(self)
        self.model.setHorizontalHeaderLabels(["Name", "Type"])
        self.view = QTreeView(self)
        self.view.setObjectName("schemaTree")
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.expanded.connect(self._expanded)
        self.view.header().setStretchLastSection(True)
        self.view.setColumnWidth(0, 180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        self._generation = 0

    def set_target(self, target: Target | None, name: str = "") -> None:
        """Show the objects of ``target``'s database (loaded again from the top)."""
        if target == self.target and self.model.rowCount():
            return
        self.target = target
        self._generation += 1
        self.model.removeRows(0, self.model.rowCount())
        self.title.setText(f"Schema · {name}" if name else "Schema")
        if target is None:
            return
        placeholder = _item("Loading…", "placeholder")
        self.model.appendRow([placeholder, _detail("")])
        generation = self._generation
        run_in_background(
            load_schemas,
            target,
            on_done=lambda found: self._show_schemas(found, generation),
            on_error=lambda exc: self._show_error(self.model.invisibleRootItem(), exc, generation),
        )

    def cancel(self) -> None:
        """Ignore whatever is still loading (the page is going away)."""
        self._generation += 1

    def refresh(self) -> None:
        target, self.target = self.target, None
        self.set_target(target, self.title.text().removeprefix("Schema · "))

    def _show_schemas(self, found: tuple[list[str], str | None], generation: int) -> None:
        if generation != self._generation:
            return
        schemas, self.default_schema = found
        root = self.model.invisibleRootItem()
        root.removeRows(0, root.rowCount())
        for schema in schemas:
            item = _item(schema, "schema", schema=schema)
            item.appendRow([_item("Loading…", "placeholder"), _detail("")])
            root.appendRow([item, _detail("default" if schema == self.default_schema else "")])
        self.sig_loaded.emit(QModelIndex())
        if self.default_schema in schemas:
            row = schemas.index(self.default_schema)
            self.view.expand(self.model.index(row, 0))

    def _expanded(self, index: QModelIndex) -> None:
        item = self.model.itemFromIndex(index)
        target = self.target
        if item is None or target is None or item.data(LOADED):
            return
        item.setData(True, LOADED)
        kind, schema = item.data(KIND), item.data(SCHEMA)
        generation = self._generation
        if kind == "schema":
            run_in_background(
                load_tables,
                target,
                schema,
                on_done=lambda tables: self._show_tables(item, tables, generation),
                on_error=lambda exc: self._show_error(item, exc, generation),
            )
        elif kind in ("table", "view"):
            run_in_background(
                load_columns,
                target,
                schema,
                item.data(TABLE),
                on_done=lambda columns: self._show_columns(item, columns, generation),
                on_error=lambda exc: self._show_error(item, exc, generation),
            )

    def _show_tables(self, item: QStandardItem, tables: list[TableInfo], generation: int) -> None:
        if generation != self._generation:
            return
        item.removeRows(0, item.rowCount())
        schema = item.data(SCHEMA)
        for table in tables:
            child = _item(table.name, table.kind, schema=schema, table=table.name)
            child.appendRow([_item("Loading…", "placeholder"), _detail("")])
            item.appendRow([child, _detail(table.kind)])
        if not tables:
            item.appendRow([_item("(no tables)", "placeholder"), _detail("")])
        self.sig_loaded.emit(item.index())

    def _show_columns(
        self, item: QStandardItem, columns: list[ColumnInfo], generation: int
    ) -> None:
        if generation != self._generation:
            return
        item.removeRows(0, item.rowCount())
        for column in columns:
            child = _item(column.name, "column", schema=item.data(SCHEMA), table=item.data(TABLE))
            child.setToolTip(f"{column.name} {column.type}")
            item.appendRow([child, _detail(column_details(column))])
        self.sig_loaded.emit(item.index())

    def _show_error(self, item: QStandardItem, exc: BaseException, generation: int) -> None:
        if generation != self._generation:
            return
        text, _known = user_message(exc)
        item.removeRows(0, item.rowCount())
        error = _item(f"Could not load: {text}", "placeholder")
        error.setToolTip(text)
        item.appendRow([error, _detail("")])
        if item is not self.model.invisibleRootItem():
            item.setData(False, LOADED)  # expanding again retries
        self.sig_loaded.emit(item.index())

    # -- actions ----------------------------------------------------------------------------
    def name_of(self, index: QModelIndex) -> str:
        item = self.model.itemFromIndex(index.siblingAtColumn(0))
        if item is None or self.target is None:
            return ""
        kind = item.data(KIND)
        if kind in ("table", "view"):
            schema = item.data(SCHEMA)
            return qualified(schema, item.data(TABLE), self.target.dialect, self.default_schema)
        return item.text() if kind in ("schema", "column") else ""

    def select_top(self, index: QModelIndex) -> None:
        item = self.model.itemFromIndex(index.siblingAtColumn(0))
        if item is None or self.target is None or item.data(KIND) not in ("table", "view"):
            return
        schema, table = item.data(SCHEMA), item.data(TABLE)
        self.sig_select_top.emit(
            top_rows_sql(schema, table, self.target.dialect, self.default_schema)
        )

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        item = self.model.itemFromIndex(index.siblingAtColumn(0))
        kind = item.data(KIND) if item is not None else None
        if kind == "placeholder" or kind is None:
            return
        menu = QMenu(self)
        if kind in ("table", "view"):
            top = menu.addAction(f"SELECT top {TOP_ROWS}")
            top.triggered.connect(lambda: self.select_top(index))
        copy = menu.addAction("Copy name")
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(self.name_of(index)))
        if kind == "schema":
            menu.addAction("Refresh").triggered.connect(self.refresh)
        menu.popup(self.view.viewport().mapToGlobal(pos))
        self.menu = menu
