"""The ``--self-test`` of the three entry points, unfrozen (``make package-test`` runs the same
on the PyInstaller bundle). Each runs as its own process, as a user would start it; the three
run at the same time (each builds a demo workspace: seconds of CPU)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dms_desktop.core.settings import KNOWN_KEYS

ENTRY_POINTS = {
    "dms": "dms_desktop.cli",
    "dms-scheduler": "dms_desktop.scheduler_main",
    "dms-desktop": "dms_desktop",
}
TIMEOUT_S = 300


@pytest.fixture(scope="module")
def self_tests(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[int, str]]]:
    """Start the three self-tests together; their (exit code, output) by program."""
    home = tmp_path_factory.mktemp("self-test-home")
    env = {k: v for k, v in os.environ.items() if k not in KNOWN_KEYS}
    # A self-test must not need (nor touch) the user's folders: point them somewhere empty.
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        QT_QPA_PLATFORM="offscreen",
    )
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", module, "--self-test"],
            env=env,
            cwd=home,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, module in ENTRY_POINTS.items()
    }
    results = {}
    try:
        for name, proc in procs.items():
            output, _ = proc.communicate(timeout=TIMEOUT_S)
            results[name] = (proc.returncode, output)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    yield results
    assert not [p for p in home.rglob("*") if p.is_file()], "a self-test left files in HOME"


@pytest.mark.parametrize("program", list(ENTRY_POINTS))
def test_self_test_passes(self_tests: dict[str, tuple[int, str]], program: str) -> None:
    code, output = self_tests[program]
    assert code == 0, f"{program} --self-test exited {code}:\n{output}"
    assert "self-test: OK" in output, output
    assert "FAIL" not in output, output


def test_each_self_test_does_its_steps(self_tests: dict[str, tuple[int, str]]) -> None:
    assert "ok   dms run DIM_CUSTOMER" in self_tests["dms"][1]
    assert "ok   job SELF_TEST succeeded" in self_tests["dms-scheduler"][1]
    gui = self_tests["dms-desktop"][1]
    from dms_desktop.core.security.permissions import MODULES

    for module in MODULES:
        assert f"ok   page {module}" in gui, f"page {module} not opened:\n{gui}"


def test_a_failing_step_fails_the_self_test(
    dms_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dms_desktop.selftest import SelfTestFailed, report, step

    def body() -> None:
        step("a step that breaks", lambda: 1 / 0)

    assert report("dms", body) == 1
    out = capsys.readouterr().out
    assert "FAIL a step that breaks: ZeroDivisionError" in out
    assert "self-test: FAILED" in out
    with pytest.raises(SelfTestFailed):
        step("a step", lambda: (_ for _ in ()).throw(SelfTestFailed("no")))
