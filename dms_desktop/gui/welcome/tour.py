"""The short tour of Home after a first start: a panel listing the next steps.

It sits on Home above the tiles until the user closes it; the welcome page sets
``prefs.TOUR_PENDING``, closing clears it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from dms_desktop.gui import prefs
from dms_desktop.gui.workers import run_in_background

if TYPE_CHECKING:
    from dms_desktop.gui.main_window import MainWindow

HOME_INDEX = 2  # in Home's column: below its header and message, above the tiles
# (module, what to do there)
STEPS = (
    ("connections", "Add the databases you load from and into; Test checks each one."),
    ("sql", "Write the source query and save it as a managed query."),
    ("mapper", "Map it onto a target table (logic, keys, SCD types), create it, Run now."),
    ("jobs", "Schedule the load and chain it after the loads it needs."),
    ("monitor", "Follow the runs; the Dashboard sums them up."),
)
OpenGuide = Callable[[str, str], object]


def tour_pending() -> bool:
    return prefs.get_bool(prefs.TOUR_PENDING)


class HomeTour(QFrame):
    """The next steps, with a button per module and one for the user guide."""

    def __init__(self, window: MainWindow, open_guide: OpenGuide) -> None:
        super().__init__(window)
        self.setObjectName("tile")  # the card look of Home's tiles
        self.window_ = window
        self.open_guide = open_guide
        self.demo = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 14)
        layout.setSpacing(8)
        top = QHBoxLayout()
        title = QLabel("Next steps", self)
        title.setObjectName("sectionTitle")
        top.addWidget(title)
        self.intro = QLabel("Build your first load in five steps:", self)
        self.intro.setObjectName("mutedLabel")
        top.addWidget(self.intro, 1)
        self.guide_button = QPushButton("User guide (F1)", self)
        self.guide_button.setProperty("primary", True)
        self.guide_button.clicked.connect(self._open_guide)
        top.addWidget(self.guide_button)
        self.close_button = QPushButton("Close", self)
        self.close_button.setToolTip("Hide these steps for good (F1 opens the user guide)")
        self.close_button.clicked.connect(self.dismiss)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        steps = QGridLayout()
        steps.setHorizontalSpacing(14)
        steps.setVerticalSpacing(4)
        titles = {spec.module: spec.title for spec in window.specs}
        self.step_buttons: dict[str, QPushButton] = {}
        for column, (module, text) in enumerate(self._steps(window)):
            button = QPushButton(f"{column + 1}. {titles.get(module, module)}", self)
            button.setToolTip(f"Open {titles.get(module, module)}")
            button.clicked.connect(lambda _c=False, m=module: window.show_module(m))
            label = QLabel(text, self)
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            steps.addWidget(button, 0, column)
            steps.addWidget(label, 1, column)
            steps.setColumnStretch(column, 1)
            self.step_buttons[module] = button
        layout.addLayout(steps)
        ws = window.ws
        run_in_background(lambda: ws.demo_user, on_done=self._set_demo, on_error=_ignore)

    def _set_demo(self, demo_user: str | None) -> None:
        self.demo = bool(demo_user)
        if self.demo:
            self.intro.setText("The demo workspace: its walkthrough takes ten minutes.")
            self.guide_button.setText("Demo walkthrough")

    @staticmethod
    def _steps(window: MainWindow) -> list[tuple[str, str]]:
        return [(m, text) for m, text in STEPS if window.user.can(m, "view")]

    def _open_guide(self) -> None:
        if self.demo:
            self.open_guide("demo-walkthrough", "a-tour-in-ten-minutes")
        else:
            self.open_guide("getting-started", "")

    def dismiss(self) -> None:
        prefs.set_value(prefs.TOUR_PENDING, False)
        self.hide()
        self.deleteLater()


def _ignore(_exc: BaseException) -> None:
    """Without the demo flag the panel shows the general steps."""


def attach_tour(window: MainWindow, open_guide: OpenGuide) -> HomeTour | None:
    """The panel on Home, above its tiles, if the welcome page asked for it and it was not
    closed since."""
    if not tour_pending() or not window.user.can("home", "view"):
        return None
    home = window.page("home")
    layout = home.layout()
    if not isinstance(layout, QVBoxLayout):
        return None
    tour = HomeTour(window, open_guide)
    tour.setParent(home)
    layout.insertWidget(HOME_INDEX, tour)
    return tour
