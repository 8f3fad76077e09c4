"""A scheduler process for the reliability tests: run as a subprocess, then killed, stopped,
cut off from its database or left to finish.

    python tests/scheduler_worker.py serve --name A --workers 2 [--lease 3] [--clock-file F]
                                           [--until-empty] [--max-seconds 120]
    python tests/scheduler_worker.py claim-and-die [--lease 2] [--after claim|start]

The metadata database comes from the environment (DMS_METADATA_URL, DMS_SCHEMA, DMS_HOME),
exactly as ``dms-scheduler`` reads it. ``--clock-file`` injects the scheduler's clock: the
file holds an ISO timestamp the test advances (the queue's leases still use real time).
``serve`` prints ``READY`` once its workers run; SIGTERM stops it gracefully.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from dms_desktop.core.jobs import queue
from dms_desktop.core.logs import setup_logging
from dms_desktop.core.scheduler.service import SchedulerService, ServiceOptions
from dms_desktop.core.settings import load_settings
from dms_desktop.core.workspace import open_workspace


class FileClock:
    """The injected clock of a service in another process: the test writes the time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last = datetime.fromisoformat(path.read_text().strip())

    def __call__(self) -> datetime:
        try:
            text = self.path.read_text().strip()
            if text:
                self.last = datetime.fromisoformat(text)
        except (OSError, ValueError):
            pass  # being rewritten: keep the last value
        return self.last


def serve(args: argparse.Namespace) -> int:
    settings = load_settings(dict(os.environ))
    setup_logging(settings, console=True)
    ws = open_workspace(settings, upgrade=False)
    clock = FileClock(Path(args.clock_file)) if args.clock_file else None
    service = SchedulerService(
        ws,
        ServiceOptions(
            workers=args.workers,
            lease_s=args.lease,
            poll_s=args.poll,
            sync_s=args.sync,
            use_clock=False,
            name=args.name,
        ),
        clock,
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    service.start()
    print("READY", flush=True)
    deadline = time.monotonic() + args.max_seconds
    idle = 0
    while not stopping.wait(0.2) and time.monotonic() < deadline:
        if args.until_empty:
            try:
                idle = idle + 1 if not queue.depth(ws) else 0
            except Exception:  # noqa: BLE001 - the database may be restarting
                idle = 0
            if idle >= 3:
                break
    service.stop(timeout=10)
    print(f"DONE {service.completed}", flush=True)
    ws.close()
    return 0


def claim_and_die(args: argparse.Namespace) -> int:
    """Claim one request (and optionally mark it running), then die without a heartbeat."""
    settings = load_settings(dict(os.environ))
    ws = open_workspace(settings, upgrade=False)
    worker = queue.worker_name("doomed")
    claim = queue.claim(ws, worker, args.lease)
    if claim is None:
        print("NOTHING", flush=True)
        return 3
    if args.after == "start":
        queue.start(ws, claim.prcreqid, worker)
    print(f"CLAIMED {claim.prcreqid}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    return 99  # not reached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--name", required=True)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--lease", type=int, default=queue.DEFAULT_LEASE_S)
    p.add_argument("--poll", type=float, default=0.05)
    p.add_argument("--sync", type=float, default=0.2)
    p.add_argument("--clock-file")
    p.add_argument("--until-empty", action="store_true")
    p.add_argument("--max-seconds", type=float, default=120)
    d = sub.add_parser("claim-and-die")
    d.add_argument("--lease", type=int, default=2)
    d.add_argument("--after", choices=("claim", "start"), default="claim")
    args = parser.parse_args(argv)
    return serve(args) if args.mode == "serve" else claim_and_die(args)


if __name__ == "__main__":
    sys.exit(main())
