"""What the main window needs to know about a module page, and the placeholder page.

Each module is a sub-package ``dms_desktop/gui/<module>/`` whose ``page.py`` exposes
``PAGE: PageSpec``; replacing a placeholder with the real module means rewriting that one
file. Pages are built lazily, the first time they are shown.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from dms_desktop.gui.resources import icon
from dms_desktop.gui.widgets import IconLabel

if TYPE_CHECKING:
    from dms_desktop.core.security.permissions import CurrentUser
    from dms_desktop.core.workspace import Workspace


def _stay(_module: str) -> None:
    """Default ``navigate``: a page built outside a main window goes nowhere."""


@dataclass(frozen=True)
class PageContext:
    """What a page is given: the open workspace, the logged-in user, and a way to open another
    module (instead of reaching for a global main-window object)."""

    ws: Workspace
    user: CurrentUser
    navigate: Callable[[str], object] = _stay


@dataclass(frozen=True)
class PageSpec:
    module: str  # a key of core.security.permissions.MODULES
    title: str
    icon: str  # resources/icons/<icon>.svg
    summary: str  # one line: tooltip of the navigation item and of the View action
    create: Callable[[PageContext], QWidget]


def load_page_spec(module: str) -> PageSpec:
    spec: PageSpec = importlib.import_module(f"dms_desktop.gui.{module}.page").PAGE
    return spec


class PlaceholderPage(QWidget):
    """A module that is not built yet: its icon, title and what it will hold."""

    def __init__(
        self, title: str, icon_name: str, description: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 40, 40, 40)
        outer.addStretch(1)
        card = QFrame(self)
        card.setObjectName("placeholderCard")
        card.setMaximumWidth(600)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(36, 32, 36, 32)
        layout.setSpacing(12)
        badge = IconLabel(icon(icon_name), 40, QIcon.Mode.Selected, card)
        self.title = QLabel(title, card)
        self.title.setObjectName("pageTitle")
        self.description = QLabel(description, card)
        self.description.setObjectName("placeholderText")
        self.description.setWordWrap(True)
        note = QLabel("This module is not in this build yet.", card)
        note.setObjectName("placeholderNote")
        for widget in (badge, self.title, self.description):
            layout.addWidget(widget)
        layout.addSpacing(4)
        layout.addWidget(note)
        # Centred by stretches, not an alignment flag: that would drop the card's
        # height-for-width and clip the wrapped description.
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(card, 12)  # grows first, up to its maximum width
        centred.addStretch(1)
        outer.addLayout(centred)
        outer.addStretch(2)


def placeholder(
    module: str, title: str, icon_name: str, summary: str, description: str
) -> PageSpec:
    """The PageSpec of a module whose real page arrives with a later issue."""
    return PageSpec(
        module=module,
        title=title,
        icon=icon_name,
        summary=summary,
        create=lambda _context: PlaceholderPage(title, icon_name, description),
    )
