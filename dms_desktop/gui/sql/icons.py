"""Line icons of the SQL workbench's toolbar, drawn in the palette's colours (so they follow
the theme, like the module icons in resources/icons)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

_HEAD = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
    'stroke="currentColor" stroke-width="1.9" stroke-linecap="round" stroke-linejoin="round">'
)
_SHAPES = {
    "new": '<path d="M12 5v14M5 12h14"/>',
    "run": '<path d="M7 4.5v15l12-7.5z" fill="ACCENT" stroke="ACCENT"/>',
    "script": '<path d="M4 5.5v13l8-6.5z" fill="ACCENT" stroke="ACCENT"/><path d="M15 6h6M15 12h6M15 18h6"/>',
    "cancel": '<rect x="6" y="6" width="12" height="12" rx="1.5" fill="STOP" stroke="STOP"/>',
    "explain": '<path d="M5 4v16M5 7h6M5 13h6M5 19h6"/><rect x="12" y="4.5" width="7" height="5" rx="1"/><rect x="12" y="10.5" width="7" height="5" rx="1"/>',
    "format": '<path d="M4 6h16M8 10h12M8 14h12M4 18h16"/>',
    "validate": '<path d="m5 12.5 4.5 4.5L19 7.5"/>',
    "save": '<path d="M5 4h11l3 3v12a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1z"/><path d="M8 4v5h7V4M8 20v-6h8v6"/>',
    "versions": '<circle cx="12" cy="12" r="8"/><path d="M12 7.5V12l3 2"/>',
}
_ACCENTS = {"ACCENT": ("#1a7f37", "#56d364"), "STOP": ("#cf222e", "#ff7b72")}


def _dark() -> bool:
    return QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128


class _WorkbenchIconEngine(QIconEngine):
    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def _svg(self, mode: QIcon.Mode) -> bytes:
        palette = QGuiApplication.palette()
        disabled = mode == QIcon.Mode.Disabled
        group = QPalette.ColorGroup.Disabled if disabled else QPalette.ColorGroup.Active
        line = palette.color(group, QPalette.ColorRole.WindowText).name()
        svg = _HEAD + _SHAPES[self._name] + "</svg>"
        for key, colours in _ACCENTS.items():
            svg = svg.replace(key, line if disabled else colours[1 if _dark() else 0])
        return svg.replace("currentColor", line).encode("utf-8")

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = min(rect.width(), rect.height())
        square = QRect(0, 0, side, side)
        square.moveCenter(rect.center())
        QSvgRenderer(QByteArray(self._svg(mode))).render(painter, square)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(QColor(Qt.GlobalColor.transparent))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _WorkbenchIconEngine(self._name)


def workbench_icon(name: str) -> QIcon:
    """One of: new, run, script, cancel, explain, format, validate, save, versions."""
    return QIcon(_WorkbenchIconEngine(name))
