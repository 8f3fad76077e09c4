"""Compile ``ui/*.ui`` into ``dms_desktop/gui/forms/ui_*.py`` with Qt's uic (Python generator)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

FORMS_DIR = Path(__file__).resolve().parent
UI_DIR = FORMS_DIR.parents[2] / "ui"


def _uic() -> Path:
    import PySide6

    base = Path(PySide6.__file__).resolve().parent
    for candidate in (base / "Qt" / "libexec" / "uic", base / "uic.exe", base / "uic"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"Qt's uic is not in {base}: reinstall PySide6-Essentials")


def target_for(ui_file: Path) -> Path:
    return FORMS_DIR / f"ui_{ui_file.stem}.py"


def stale_forms() -> list[Path]:
    if not UI_DIR.is_dir():
        return []
    return [
        ui for ui in sorted(UI_DIR.glob("*.ui"))
        if not target_for(ui).exists() or target_for(ui).stat().st_mtime < ui.stat().st_mtime
    ]


def compile_forms(force: bool = False) -> list[Path]:
    """Compile the stale forms (all of them with ``force``); return the files written."""
    todo = sorted(UI_DIR.glob("*.ui")) if force and UI_DIR.is_dir() else stale_forms()
    written = []
    for ui in todo:
        target = target_for(ui)
        # Write beside the target, then rename: a concurrent import never sees half a file.
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".py", dir=FORMS_DIR)
        os.close(fd)
        try:
            subprocess.run(
                [str(_uic()), "-g", "python", "-o", tmp, str(ui)],
                check=True, capture_output=True, text=True,
            )
            os.replace(tmp, target)
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"uic failed on {ui}: {exc.stderr.strip()}") from exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        written.append(target)
    return written


def main() -> int:
    for path in compile_forms(force="--force" in sys.argv[1:]):
        print(f"wrote {path.relative_to(FORMS_DIR.parents[2])}")
    return 0
