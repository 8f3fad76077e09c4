"""Home: counts of the workspace's objects and the last runs, loaded off the GUI thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.overview import workspace_overview
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.home.model import last_runs_model
from dms_desktop.gui.pages import PageContext, PageSpec
from dms_desktop.gui.resources import icon
from dms_desktop.gui.widgets import (
    IconLabel,
    PageHeader,
    empty_state,
    refresh_shortcut,
    set_message,
)
from dms_desktop.gui.workers import TaskSlot

# (Overview attribute, caption, icon, module a click opens)
TILES = (
    ("connections", "Connections", "connections", "connections"),
    ("mappings", "Mappings", "mapper", "mapper"),
    ("jobs", "Jobs", "jobs", "jobs"),
    ("schedules", "Schedules", "calendar", "calendar"),
    ("users", "Users", "user", "admin"),
)


class CountTile(QFrame):
    """One count with its caption; a click opens the module that manages those objects."""

    sig_clicked = Signal()

    def __init__(self, caption: str, icon_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(4)
        top = QHBoxLayout()
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("tileLabel")
        self.caption.setMinimumWidth(30)  # lets a narrow window squeeze the row of tiles
        top.addWidget(self.caption, 1)
        top.addWidget(IconLabel(icon(icon_name), 18, parent=self))
        self.value = QLabel("–", self)
        self.value.setObjectName("tileValue")
        layout.addLayout(top)
        layout.addWidget(self.value)

    def set_value(self, value: int | None) -> None:
        self.value.setText("–" if value is None else f"{value:,}")

    def set_clickable(self, clickable: bool) -> None:
        self.setProperty("clickable", clickable)
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        if self.property("clickable") and event.button() == Qt.MouseButton.LeftButton:
            self.sig_clicked.emit()


class HomePage(QWidget):
    """The workspace at a glance; refreshes on first show and on Refresh (F5)."""

    sig_loaded = Signal(object)  # the Overview, after the view shows it (tests wait on it)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self._context = context
        self._task = TaskSlot()
        self._loaded_once = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(16)

        header = PageHeader(
            "Home", "The workspace at a glance: what it holds and how the last loads went", self
        )
        self.refresh_button = QPushButton(icon("refresh"), "Refresh", self)
        self.refresh_button.setToolTip("Reload counts and runs (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        header.add_widget(self.refresh_button)
        layout.addWidget(header)
        refresh_shortcut(self, self.refresh)

        self.message = QLabel(self)
        set_message(self.message, "")
        layout.addWidget(self.message)

        tiles = QHBoxLayout()
        tiles.setSpacing(12)
        self.tiles: dict[str, CountTile] = {}
        for attribute, caption, icon_name, module in TILES:
            tile = CountTile(caption, icon_name, self)
            tile.setToolTip(f"Open {module.capitalize()}")
            if context.user.can(module, "view"):
                tile.set_clickable(True)
                tile.sig_clicked.connect(lambda m=module: context.navigate(m))
            else:
                tile.setToolTip("")
            self.tiles[attribute] = tile
            tiles.addWidget(tile)
        layout.addLayout(tiles)

        runs_header = QHBoxLayout()
        runs_title = QLabel("Last runs", self)
        runs_title.setObjectName("sectionTitle")
        self.updated_label = QLabel("", self)
        self.updated_label.setObjectName("mutedLabel")
        runs_header.addWidget(runs_title)
        runs_header.addStretch(1)
        runs_header.addWidget(self.updated_label)
        layout.addSpacing(4)
        layout.addLayout(runs_header)

        self.runs_model = last_runs_model(self)
        self.runs_view = QTableView(self)
        self.runs_view.setObjectName("lastRunsView")
        self.runs_view.setModel(self.runs_model)
        self.runs_view.setAlternatingRowColors(True)
        self.runs_view.setShowGrid(False)
        self.runs_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.runs_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.runs_view.verticalHeader().setVisible(False)
        self.runs_view.verticalHeader().setDefaultSectionSize(28)
        horizontal = self.runs_view.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        horizontal.setHighlightSections(False)
        for column, width in ((1, 100), (2, 160), (3, 160), (4, 90), (5, 110)):
            self.runs_view.setColumnWidth(column, width)

        self.empty_label = empty_state(
            "No runs yet. Runs appear here once a job has been run, from Jobs or on a schedule.",
            self,
        )
        self.runs_stack = QStackedWidget(self)
        self.runs_stack.addWidget(self.runs_view)
        self.runs_stack.addWidget(self.empty_label)
        layout.addWidget(self.runs_stack, 1)

    # -- loading ------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        self.updated_label.setText("Loading…")
        self._task.start(
            workspace_overview,
            self._context.ws,
            on_done=self.show_overview,
            on_error=self._show_error,
        )

    @property
    def loading(self) -> bool:
        return self._task.busy

    def cancel_tasks(self) -> None:
        self._task.cancel()

    def show_overview(self, overview: Any) -> None:
        set_message(self.message, "")
        for attribute, tile in self.tiles.items():
            tile.set_value(getattr(overview, attribute))
        self.runs_model.set_rows(overview.last_runs)
        self.runs_stack.setCurrentWidget(self.runs_view if overview.last_runs else self.empty_label)
        self.updated_label.setText(f"Updated {datetime.now():%H:%M:%S}")
        self.refresh_button.setEnabled(True)
        self.sig_loaded.emit(overview)

    def _show_error(self, exc: BaseException) -> None:
        text, _known = user_message(exc)
        set_message(self.message, f"Could not load the overview: {text}")
        self.updated_label.setText("")
        self.refresh_button.setEnabled(True)


PAGE = PageSpec(
    module="home",
    title="Home",
    icon="home",
    summary="The workspace at a glance",
    create=HomePage,
)
