"""Small widgets shared by dialogs and pages."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt
from PySide6.QtGui import QIcon, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.gui.resources import app_icon


class ElidedLabel(QLabel):
    """A one-line label that elides in the middle (good for paths) and tooltips the full text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setFullText(text)

    def setFullText(self, text: str) -> None:  # noqa: N802 - Qt naming
        self._full = text
        self.setToolTip(text)
        self._elide()

    def fullText(self) -> str:  # noqa: N802
        return self._full

    def sizeHint(self) -> QSize:
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right()
        return QSize(width + 8, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(80, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        margins = self.contentsMargins()
        width = max(self.width() - margins.left() - margins.right() - 4, 40)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width))


def fit_height(window: QWidget, width: int) -> None:
    """Resize ``window`` to ``width`` and the height its layout needs at that width, so
    word-wrapped labels neither clip nor leave a gap (adjustSize ignores height-for-width)."""
    layout = window.layout()
    if layout is None:
        return
    # Nested layouts (a body widget with its own layout) report a changed label only once
    # their posted LayoutRequest is handled: handle it now, then measure.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    layout.activate()
    height = max(layout.totalHeightForWidth(width), layout.totalMinimumSize().height())
    window.resize(width, height)


def set_message(label: QLabel, text: str, severity: str = "error") -> None:
    """Show an inline message (``severity`` "error" or "info") or hide the label when empty."""
    label.setObjectName("messageLabel")
    label.setProperty("severity", severity)
    label.setText(text)
    label.setVisible(bool(text))
    label.style().unpolish(label)
    label.style().polish(label)


class DialogBanner(QFrame):
    """The strip at the top of the start-up dialogs: app icon, a title and one line of context."""

    def __init__(
        self,
        title: str,
        subtitle: str = "",
        icon: QIcon | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dialogBanner")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(14)
        badge = QLabel(self)
        badge.setPixmap((icon or app_icon()).pixmap(QSize(44, 44), self.devicePixelRatioF()))
        badge.setFixedSize(44, 44)
        layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = QLabel(title, self)
        self.title.setObjectName("bannerTitle")
        self.subtitle = QLabel(subtitle, self)
        self.subtitle.setObjectName("bannerSubtitle")
        self.subtitle.setWordWrap(True)
        self.subtitle.setVisible(bool(subtitle))
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.title)
        text.addWidget(self.subtitle)
        text.addStretch(1)
        layout.addLayout(text, 1)


class PageHeader(QWidget):
    """Title and subtitle of a page, with room on the right for the page's own buttons."""

    def __init__(self, title: str, subtitle: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = QLabel(title, self)
        self.title.setObjectName("pageTitle")
        self.subtitle = ElidedLabel(subtitle, self)
        self.subtitle.setObjectName("pageSubtitle")
        text.addWidget(self.title)
        text.addWidget(self.subtitle)
        layout.addLayout(text, 1)
        self._trailing = layout

    def add_widget(self, widget: QWidget) -> None:
        self._trailing.addWidget(widget, 0, Qt.AlignmentFlag.AlignBottom)


class IconLabel(QLabel):
    """A themed icon at a fixed size, re-rendered when the palette (the theme) changes."""

    def __init__(
        self,
        icon: QIcon,
        size: int,
        mode: QIcon.Mode = QIcon.Mode.Normal,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._icon, self._size, self._mode = icon, size, mode
        self.setFixedSize(size, size)
        self._render()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._render()

    def _render(self) -> None:
        self.setPixmap(
            self._icon.pixmap(QSize(self._size, self._size), self.devicePixelRatioF(), self._mode)
        )


# The theme pads spin boxes; with NoButtons alone Qt still reserves the buttons' room and
# squashes the text to a pixel, so the buttons are also given no width.
_NO_BUTTONS = (
    "QSpinBox::up-button, QSpinBox::down-button, QTimeEdit::up-button, QTimeEdit::down-button "
    "{ subcontrol-origin: border; width: 0px; border: none; }"
)


def plain_spin(spin: QAbstractSpinBox) -> None:
    """A spin box typed into (or scrolled), without the up/down buttons."""
    spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
    spin.setStyleSheet(_NO_BUTTONS)


def empty_state(text: str, parent: QWidget) -> QLabel:
    """The centred, wrapped note a list shows instead of itself when it is empty (hidden)."""
    label = QLabel(text, parent)
    label.setObjectName("emptyState")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.hide()
    return label


def refresh_shortcut(page: QWidget, refresh: Callable[[], object]) -> QShortcut:
    """F5 (the platform's Refresh key) anywhere inside ``page`` calls ``refresh``."""
    key = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), page)
    key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    key.activated.connect(refresh)
    return key
