"""Finding resources (icons, themes) and turning the monochrome SVG icons into QIcons.

The module icons are line drawings whose strokes say ``currentColor``; ``icon()`` returns a
QIcon whose engine paints them in the colour of the current application palette, so they
follow a theme switch without being rebuilt, and take the accent colour (the palette's Link role) when selected.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # .../dms_desktop


def resources_dir() -> Path:
    """``<repo>/resources`` for a source checkout, else ``dms_desktop/resources`` (packaged)."""
    for candidate in (_PACKAGE_DIR.parent / "resources", _PACKAGE_DIR / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"No resources folder beside or inside {_PACKAGE_DIR}")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


@cache
def _svg_text(name: str) -> str:
    return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")


def _icon_colour(mode: QIcon.Mode) -> QColor:
    palette = QGuiApplication.palette()
    if mode == QIcon.Mode.Disabled:
        return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    if mode == QIcon.Mode.Selected:  # the accent foreground (selected nav item)
        return palette.color(QPalette.ColorRole.Link)
    if mode == QIcon.Mode.Active:
        return palette.color(QPalette.ColorRole.Text)
    return palette.color(QPalette.ColorRole.PlaceholderText)


class ThemedSvgIconEngine(QIconEngine):
    """Paints a ``currentColor`` SVG in the palette colour for the icon mode."""

    def __init__(self, name: str, colour: QColor | None = None) -> None:
        super().__init__()
        self._name = name
        self._fixed = QColor(colour) if colour is not None else None

    def _renderer(self, mode: QIcon.Mode) -> QSvgRenderer:
        colour = self._fixed if self._fixed is not None else _icon_colour(mode)
        svg = _svg_text(self._name).replace("currentColor", colour.name())
        return QSvgRenderer(QByteArray(svg.encode("utf-8")))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = min(rect.width(), rect.height())
        square = QRect(0, 0, side, side)
        square.moveCenter(rect.center())
        self._renderer(mode).render(painter, square)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return ThemedSvgIconEngine(self._name, self._fixed)


def icon(name: str, colour: QColor | str | None = None) -> QIcon:
    """A line icon from ``resources/icons/<name>.svg`` in the theme's (or the given) colour."""
    fixed = QColor(colour) if colour is not None else None
    return QIcon(ThemedSvgIconEngine(name, fixed))


def app_icon() -> QIcon:
    """The coloured application icon (``dms.svg``), rendered by Qt's own SVG engine."""
    return QIcon(str(resource_path("icons", "dms.svg")))
