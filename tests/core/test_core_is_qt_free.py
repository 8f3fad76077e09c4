"""The core (and the CLI) never import Qt: the service and scripts must run without it."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import dms_desktop.core

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "dms_desktop.gui")
ROOT = Path(dms_desktop.core.__file__).parent


def test_no_qt_import_statement_under_core() -> None:
    offenders = []
    for path in [*ROOT.rglob("*.py"), ROOT.parent / "cli.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert offenders == []


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = [
        m.name
        for m in pkgutil.walk_packages([str(ROOT)], "dms_desktop.core.")
        if ".migrations" not in m.name
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules + ['dms_desktop.cli']!r}: importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.startswith({FORBIDDEN!r})]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
