"""``dms-scheduler``: the background service (APScheduler clock + request-queue workers).

    dms-scheduler [--workers N] [--once] [--tray] [--metadata-url URL]

``--once`` queues what is due, runs the queue (and the dependents its runs queue) and exits:
for cron and tests (a failed run with retries left waits for its backoff: a later ``--once``
runs the retry once it is due). ``--tray`` adds a system-tray icon (needs a desktop session).
SIGTERM/SIGINT stop gracefully: running loads finish, or roll back and go back to the queue.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from dms_desktop import __version__
from dms_desktop.core.errors import DmsError
from dms_desktop.core.logs import setup_logging
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions
from dms_desktop.core.settings import load_settings
from dms_desktop.core.workspace import open_workspace

log = logging.getLogger("dms.scheduler")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dms-scheduler", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"dms-scheduler {__version__}")
    parser.add_argument("--metadata-url", metavar="URL")
    parser.add_argument("--workers", type=int, help="parallel runs (SCHEDULER_MAX_WORKERS)")
    parser.add_argument("--once", action="store_true", help="run the queue once and exit")
    parser.add_argument("--tray", action="store_true", help="show a system-tray icon")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if list(sys.argv[1:] if argv is None else argv) == ["--self-test"]:  # see selftest.py
        from dms_desktop.selftest import scheduler_self_test

        return scheduler_self_test(main)
    args = build_parser().parse_args(argv)
    environ = dict(os.environ)
    if args.metadata_url:
        environ["DMS_METADATA_URL"] = args.metadata_url
    try:
        settings = load_settings(environ)
        setup_logging(settings, console=True)
        ws = open_workspace(settings, upgrade=False)
    except DmsError as exc:
        print(f"dms-scheduler: {exc.message}", file=sys.stderr)
        return 1
    workers = args.workers or settings.scheduler_max_workers
    if args.tray:
        from dms_desktop.gui.tray import run_tray

        return run_tray(ws, workers)
    service = SchedulerService(ws, ServiceOptions(workers=workers, use_clock=not args.once))
    if args.once:
        service.tick()
        done = service.drain(workers=workers)
        print(f"dms-scheduler: {done} request(s) processed, {len(service.failures)} failed")
        ws.close()
        return 0 if not service.failures else 1
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    service.start()
    print(
        f"dms-scheduler: running with {workers} workers on {settings.describe()}; Ctrl+C to stop",
        file=sys.stderr,
    )
    stopping.wait()
    log.info("Stopping: finishing or releasing running work")
    service.stop()
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
