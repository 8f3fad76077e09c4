"""Render the application icon (resources/icons/dms.svg) into the sizes desktops need.

    python packaging/make_icons.py OUT_DIR

writes ``OUT_DIR/hicolor/<n>x<n>/apps/dms-desktop.png`` for n in SIZES, the SVG as
``OUT_DIR/hicolor/scalable/apps/dms-desktop.svg`` (the freedesktop icon theme layout that
install.sh copies into ~/.local/share/icons), plus ``OUT_DIR/dms-desktop.ico`` (Windows) and
``OUT_DIR/dms-desktop.icns`` (macOS) when Qt's image plugins can write them. Rendered with
Qt's own SVG renderer (QtSvg is part of PySide6-Essentials), offscreen.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "resources" / "icons" / "dms.svg"
NAME = "dms-desktop"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def render(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {SOURCE} is not a valid SVG")
    written: list[Path] = []
    images: dict[int, QImage] = {}
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"make_icons: could not write {target}")
        images[size] = image
        written.append(target)
    scalable = out / "hicolor" / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable)
    written.append(scalable)
    supported = {bytes(f.data()).decode() for f in QImageWriter.supportedImageFormats()}
    for fmt, size in (("ico", 256), ("icns", 512)):
        target = out / f"{NAME}.{fmt}"
        if fmt in supported and images[size].save(str(target), fmt.upper()):
            written.append(target)
        else:
            print(f"make_icons: Qt cannot write .{fmt} here; skipped", file=sys.stderr)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for path in render(Path(argv[1])):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
