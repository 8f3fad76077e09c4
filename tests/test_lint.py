"""The static checks CI relies on: ruff, the import-linter contract, mypy strict on the core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "dms_desktop", "tests", "tools"],
        ["lint-imports"],
        ["mypy", "dms_desktop/core"],
    ],
)
def test_static_check_passes(command: list[str]) -> None:
    tool = BIN / command[0]
    result = subprocess.run([str(tool), *command[1:]], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
