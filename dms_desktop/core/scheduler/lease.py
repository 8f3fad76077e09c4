"""Working under a lease: the final check before COMMIT, the heartbeat, and patience with a
metadata database that is briefly away (a restart, a dropped connection).

A worker's bookkeeping writes (start, lease checks, finish) are small and idempotent, so they
are retried on a fresh connection (the pool's pre-ping replaces dead ones) for a while before
giving up: a blip must not fail a load that succeeded, nor kill the worker thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from dms_desktop.core.jobs import queue
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)
T = TypeVar("T")


def transient(exc: BaseException) -> bool:
    """A lost connection or a busy/unavailable server: worth another try."""
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError))
    )


def persist(work: Callable[[], T], what: str, patience_s: float) -> T:
    """``work()``, retried with backoff while the database is briefly unavailable."""
    delay, deadline = 0.1, time.monotonic() + patience_s
    while True:
        try:
            return work()
        except SQLAlchemyError as exc:
            if not transient(exc) or time.monotonic() + delay > deadline:
                raise
            log.warning(
                "%s: database unavailable (%s); retry in %.1f s",
                what,
                exc.__class__.__name__,
                delay,
            )
            time.sleep(delay)
            delay = min(5.0, delay * 2)


class LeasedState(TaskState):
    """A TaskState whose final check before COMMIT re-verifies the lease in the database,
    so a worker that was stopped past its lease never commits a load someone else retried."""

    def __init__(self, verify: Callable[[], bool]) -> None:
        super().__init__()
        self._verify = verify

    def before_commit(self) -> None:
        self.check()
        if not self._verify():
            self.cancel()
            self.check()


class Lease:
    """One claimed request's lease: verified before COMMIT, renewed by a heartbeat thread."""

    def __init__(self, ws: Workspace, claim: queue.Claim, worker: str, lease_s: int) -> None:
        self.ws, self.claim, self.worker, self.lease_s = ws, claim, worker, lease_s
        self.state = LeasedState(self.renew)
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"dms-lease-{claim.prcreqid}", daemon=True
        )

    def renew(self) -> bool:
        """Extend the lease; False (lost: reaped or cancelled) means abort the load."""
        return persist(
            lambda: queue.heartbeat(self.ws, self.claim.prcreqid, self.worker, self.lease_s),
            f"Request {self.claim.prcreqid}: lease check",
            self.lease_s,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _beat(self) -> None:
        period = max(0.5, self.lease_s / 3)
        while not self._done.wait(period):
            try:
                alive = queue.heartbeat(self.ws, self.claim.prcreqid, self.worker, self.lease_s)
            except SQLAlchemyError:
                continue  # transient: the lease has slack for a missed beat or two
            if not alive:
                log.warning("Request %s: lease lost, aborting the load", self.claim.prcreqid)
                self.state.cancel()
                return
