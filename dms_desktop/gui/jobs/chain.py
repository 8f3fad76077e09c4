"""The dependency chain of a job drawn as boxes and arrows: its ancestors, itself, and the jobs
that wait on it. Chains come from the job list already in memory (no database)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BOX_H = 30
GAP = 26  # room for an arrow
MAX_BOX_W = 170
MIN_BOX_W = 70


def ancestors(name: str | None, parents: Mapping[str, str | None]) -> list[str]:
    """``name`` and its parents up to the root, root first; stops at a repeated name."""
    chain: list[str] = []
    node = name
    while node and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return list(reversed(chain))


def cycle_through(job: str, parent: str | None, parents: Mapping[str, str | None]) -> list[str]:
    """The cycle that making ``parent`` the parent of ``job`` would close, else []."""
    path = [job]
    node = parent
    while node:
        path.append(node)
        if node.lower() == job.lower():
            return path
        if len(path) > len(parents) + 2:
            return []
        node = parents.get(node)
    return []


class ChainView(QWidget):
    """Left to right: root → … → parent → this job → [children]."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chainView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.chain: list[str] = []
        self.dependents: list[str] = []  # (not ``children``: QObject has that)
        self.current = ""
        self.broken = False  # the chain would be a cycle

    def set_chain(
        self, current: str, chain: Sequence[str], children: Sequence[str], broken: bool = False
    ) -> None:
        self.current = current or "this job"
        self.chain = list(chain)
        self.dependents = list(children)
        self.broken = broken
        self.update()

    def boxes(self) -> list[tuple[str, str]]:
        """(text, kind) in drawing order; kind: ancestor, current, children."""
        out = [(name, "ancestor") for name in self.chain]
        out.append((self.current, "current"))
        if self.dependents:
            out.append(("then " + ", ".join(self.dependents), "children"))
        return out

    def box_widths(self, labels: Sequence[str], width: float) -> list[float]:
        """Each box as wide as its text; when they do not fit, all shrink alike (text elides)."""
        metrics = self.fontMetrics()
        natural = [
            max(MIN_BOX_W, min(MAX_BOX_W, metrics.horizontalAdvance(t) + 24)) for t in labels
        ]
        room = width - GAP * (len(labels) - 1)
        if sum(natural) <= room:
            return [float(w) for w in natural]
        scale = room / sum(natural)
        return [max(MIN_BOX_W * 0.6, w * scale) for w in natural]

    def sizeHint(self) -> QSize:
        return QSize(420, BOX_H + 12)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, BOX_H + 12)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        boxes = self.boxes()
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        count = len(boxes)
        metrics = self.fontMetrics()
        widths = self.box_widths([label for label, _kind in boxes], self.width() - 4)
        top = (self.height() - BOX_H) / 2
        accent = palette.color(QPalette.ColorRole.Highlight)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        border = palette.color(QPalette.ColorRole.Mid)
        error = accent if not self.broken else Qt.GlobalColor.red
        x = 2.0
        for n, (label, kind) in enumerate(boxes):
            box_w = widths[n]
            rect = QRectF(x, top, box_w, BOX_H)
            pen = QPen(border, 1)
            if kind == "current":
                pen = QPen(error, 2)
            elif kind == "children":
                pen = QPen(border, 1, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(palette.color(QPalette.ColorRole.Base))
            painter.drawRoundedRect(rect, 6, 6)
            painter.setPen(text if kind != "children" else muted)
            elided = metrics.elidedText(label, Qt.TextElideMode.ElideMiddle, int(box_w) - 12)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, elided)
            if n < count - 1:
                self._arrow(painter, x + box_w + 3, x + box_w + GAP - 3, top + BOX_H / 2, muted)
            x += box_w + GAP
        painter.end()

    @staticmethod
    def _arrow(painter: QPainter, x1: float, x2: float, y: float, colour: QColor) -> None:
        painter.setPen(QPen(colour, 1.5))
        painter.drawLine(QPointF(x1, y), QPointF(x2, y))
        head = QPainterPath(QPointF(x2, y))
        head.lineTo(x2 - 6, y - 4)
        head.lineTo(x2 - 6, y + 4)
        head.closeSubpath()
        painter.fillPath(head, colour)
