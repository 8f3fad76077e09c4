"""``--self-test`` of the ``dms`` and ``dms-scheduler`` commands (the GUI's is gui/self_test.py).

Each self-test works in a throw-away workspace (``DMS_HOME`` in a temporary folder, removed
afterwards), so it never touches the user's settings or data, and exercises what a frozen
bundle most often lacks: the Alembic migration scripts (loaded from files), the SQLite
driver, the demo resources, the load engine, the scheduler service. It prints one line per
step and ``self-test: OK`` (exit 0) or ``self-test: FAILED …`` (exit 1).

* ``dms --self-test``: ``dms init --demo``, ``dms run`` of a demo mapping, ``dms status``,
  and the licence metadata of every required distribution (the About box reads it).
* ``dms-scheduler --self-test``: the demo workspace, a job of a demo mapping queued to run
  now, then ``dms-scheduler --once``; the job's run must have succeeded.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from dms_desktop.core.settings import KNOWN_KEYS

DEMO_MAPPING = "DIM_CUSTOMER"  # a demo mapping that loads from the demo ERP on its own
SELF_TEST_JOB = "SELF_TEST"


class SelfTestFailed(Exception):
    """A step of a self-test failed; the message says which and why."""


@contextmanager
def temporary_workspace(extra: Mapping[str, str] | None = None) -> Iterator[Path]:
    """``DMS_HOME`` in a new temporary folder, as the demo user; the environment is restored
    and the folder removed on exit. Settings from the user's environment are hidden."""
    from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER

    saved = dict(os.environ)
    home = Path(tempfile.mkdtemp(prefix="dms-self-test-"))
    try:
        for key in (*KNOWN_KEYS, "DMS_USER", "DMS_PASSWORD"):
            os.environ.pop(key, None)
        os.environ.update(
            {"DMS_HOME": str(home), "DMS_USER": DEMO_USER, "DMS_PASSWORD": DEMO_PASSWORD}
        )
        os.environ.update(extra or {})
        yield home
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(home, ignore_errors=True)


def step(name: str, action: Callable[[], object]) -> object:
    """Run one step, print its outcome and time; raise SelfTestFailed when it fails."""
    started = time.monotonic()
    try:
        result = action()
    except SelfTestFailed as exc:
        print(f"  FAIL {name}: {exc}", flush=True)
        raise
    except Exception as exc:  # noqa: BLE001 - any error is the self-test's finding
        print(f"  FAIL {name}: {type(exc).__name__}: {exc}", flush=True)
        raise SelfTestFailed(f"{name}: {type(exc).__name__}: {exc}") from exc
    print(f"  ok   {name} ({time.monotonic() - started:.1f} s)", flush=True)
    return result


def print_log_tail(lines: int = 40) -> None:
    """The end of the workspace's log (it goes with the temporary folder): why it failed."""
    from dms_desktop.core.logs import LOG_NAME
    from dms_desktop.core.settings import load_settings

    try:
        path = load_settings().log_dir / LOG_NAME
        tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except Exception:  # noqa: BLE001 - best effort, on the way out of a failure
        return
    print(f"--- last {len(tail)} lines of {path} ---", flush=True)
    for line in tail:
        print(f"  | {line}", flush=True)


def report(program: str, body: Callable[[], None]) -> int:
    """Run ``body`` in a temporary workspace; print the verdict; the process exit code."""
    frozen = " (frozen)" if getattr(sys, "frozen", False) else ""
    print(f"{program} self-test{frozen}: {sys.executable}", flush=True)
    started = time.monotonic()
    try:
        body()
    except SelfTestFailed as exc:
        print(f"self-test: FAILED ({exc})", flush=True)
        return 1
    print(f"self-test: OK ({time.monotonic() - started:.1f} s)", flush=True)
    return 0


def _expect_zero(what: str, code: int) -> None:
    if code != 0:
        print_log_tail()
        raise SelfTestFailed(f"`{what}` exited with {code} (its error is printed above)")


def cli_self_test(dms: Callable[[list[str]], int]) -> int:
    """``dms --self-test``: ``dms init --demo`` then ``dms run DIM_CUSTOMER``; ``dms`` is
    the CLI's ``main`` (passed in: this module imports no entry point)."""

    def body() -> None:
        with temporary_workspace():
            step(
                "dms init --demo", lambda: _expect_zero("dms init --demo", dms(["init", "--demo"]))
            )
            step(
                f"dms run {DEMO_MAPPING}",
                lambda: _expect_zero(f"dms run {DEMO_MAPPING}", dms(["run", DEMO_MAPPING])),
            )
            step("dms status", lambda: _expect_zero("dms status", dms(["status"])))
            step("licences of the bundled components", _licences_complete)

    return report("dms", body)


def _licences_complete() -> None:
    """The About box's licence list comes from distribution metadata, which a bundle may lack."""
    import re
    from importlib import metadata

    from dms_desktop.core.admin.licences import PRODUCT, third_party_licences

    def key(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    try:
        required = [r for r in metadata.requires(PRODUCT) or [] if "extra ==" not in r]
    except metadata.PackageNotFoundError:
        raise SelfTestFailed(f"no distribution metadata of {PRODUCT}") from None
    listed = {key(c.name) for c in third_party_licences()}
    names = {key(re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0]) for r in required}
    missing = sorted(names - listed)
    if missing:
        raise SelfTestFailed(f"no licence metadata for {', '.join(missing)}")
    print(f"       {len(listed)} components listed", flush=True)


def _queue_demo_job() -> None:
    from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER, create_demo_workspace
    from dms_desktop.core.jobs.service import JobService
    from dms_desktop.core.security.auth import AuthService
    from dms_desktop.core.settings import load_settings

    ws = create_demo_workspace(load_settings())
    try:
        user = AuthService(ws).login(DEMO_USER, DEMO_PASSWORD)
        jobs = JobService(ws, user)
        for job in jobs.list_jobs():  # only the self-test's job may run: no due demo firing
            if job.enabled:
                jobs.set_enabled(job.name, False)
        jobs.create(SELF_TEST_JOB, [DEMO_MAPPING])
        jobs.run_now(SELF_TEST_JOB)
    finally:
        ws.close()


def _job_succeeded() -> None:
    from dms_desktop.core.demo.seed import DEMO_PASSWORD, DEMO_USER
    from dms_desktop.core.jobs import queue
    from dms_desktop.core.jobs.service import JobService
    from dms_desktop.core.security.auth import AuthService
    from dms_desktop.core.settings import load_settings
    from dms_desktop.core.workspace import open_workspace

    ws = open_workspace(load_settings(), upgrade=False)
    try:
        user = AuthService(ws).login(DEMO_USER, DEMO_PASSWORD)
        runs = JobService(ws, user).history(SELF_TEST_JOB)
    finally:
        ws.close()
    if not runs:
        raise SelfTestFailed(f"job {SELF_TEST_JOB} has no run after `dms-scheduler --once`")
    statuses = [str(run["status"]) for run in runs]
    if statuses != [queue.DONE]:
        print_log_tail()
        messages = [run["message"] for run in runs]
        raise SelfTestFailed(f"job {SELF_TEST_JOB}: runs {statuses} ({messages}), not one DONE")


def scheduler_self_test(scheduler: Callable[[list[str]], int]) -> int:
    """``dms-scheduler --self-test``: a demo job queued, ``dms-scheduler --once``, success;
    ``scheduler`` is scheduler_main's ``main`` (passed in: it may import the GUI's tray, which
    the Qt-free ``dms`` must not)."""

    def body() -> None:
        with temporary_workspace():
            step("demo workspace and a queued demo job", _queue_demo_job)
            step(
                "dms-scheduler --once",
                lambda: _expect_zero("dms-scheduler --once", scheduler(["--once"])),
            )
            step(f"job {SELF_TEST_JOB} succeeded", _job_succeeded)

    return report("dms-scheduler", body)
