"""``dms run REF`` and ``dms plan REF``: the load engine from the command line."""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import asdict
from typing import Any

from dms_desktop.commands.base import as_user
from dms_desktop.core.engine.plan import stored_plan
from dms_desktop.core.engine.run import run_mapping
from dms_desktop.core.errors import DmsError
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.workspace import Workspace


class LoadFailed(DmsError):
    """The load ran and failed (exit 1 with the reason); its counts are in DMS_PRCLOG."""


def _run(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> dict[str, Any]:
    def show(_fraction: float, text: str) -> None:
        if args.progress:
            print(f"\r{text[:70]:<70}", end="", file=sys.stderr, flush=True)

    state = TaskState(show)
    # Ctrl+C cancels the load cleanly (the target stays as it was) instead of killing it.
    previous = signal.signal(signal.SIGINT, lambda *_: state.cancel())
    try:
        result = run_mapping(ws, user, args.ref, state, trigger="CLI")
    finally:
        signal.signal(signal.SIGINT, previous)
        if args.progress:
            print(file=sys.stderr)
    if not result.ok:
        raise LoadFailed(f"{result.ref} {result.status} (run {result.prclogid}): {result.message}")
    return {
        "run": result.prclogid,
        "mapping": result.ref,
        "status": result.status,
        "seconds": round(result.seconds, 3),
        **asdict(result.counts),
        "message": result.message,
    }


def _plan(ws: Workspace, user: CurrentUser, args: argparse.Namespace) -> Any:
    plan = stored_plan(ws, user, args.ref)
    if getattr(args, "json", False):
        return {
            "mapping": plan.ref,
            "version": plan.version,
            "steps": [{"name": n, "sql": s} for n, s in plan.steps],
        }
    print(plan.as_text())
    return None


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("run", parents=[common], help="run a mapping's load now, in this process")
    p.add_argument("ref")
    p.add_argument("--progress", action="store_true", help="show progress on stderr")
    p.set_defaults(handler=as_user(_run))
    p = sub.add_parser("plan", parents=[common], help="print a mapping's compiled load plan")
    p.add_argument("ref")
    p.set_defaults(handler=as_user(_plan))
