"""Rerunning a saved upload on a new file: from the GUI, the CLI or a job step.

A job step "upload the newest file matching incoming/*.csv" calls ``run_upload_definition``
with the definition's name and the pattern (or None: the file or pattern saved with the
definition). It never raises a known failure: the result says FAILED with the message, and
the definition's LASTRUNDT/LASTSTATUS record every run.
"""

from __future__ import annotations

import glob
import logging
from pathlib import Path

from dms_desktop.core.errors import DmsError, NotFound, ValidationError
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.tasks import TaskState
from dms_desktop.core.uploads.model import UploadResult
from dms_desktop.core.uploads.run import run_upload
from dms_desktop.core.uploads.service import UploadService
from dms_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)
_OWN_FILES = (".rejects.csv", ".errors.csv", ".part")


def newest_file(pattern: str | Path) -> Path:
    """``pattern`` itself, or the newest file matching it (a glob such as incoming/*.csv;
    relative patterns are relative to the current folder). Rejects files are never picked."""
    text = str(Path(pattern).expanduser())
    if not glob.has_magic(text):
        path = Path(text)
        if not path.is_file():
            raise NotFound(f"File {text} does not exist.")
        return path
    found = [
        Path(m)
        for m in glob.glob(text, recursive=True)
        if Path(m).is_file() and not m.endswith(_OWN_FILES)
    ]
    if not found:
        raise NotFound(f"No file matches {text}.")
    return max(found, key=lambda p: (p.stat().st_mtime, p.name))


def run_upload_definition(
    ws: Workspace,
    actor: CurrentUser,
    name: str,
    path_or_glob: str | Path | None = None,
    state: TaskState | None = None,
) -> UploadResult:
    """Run the saved upload ``name`` on a file (newest match of a pattern); never raises a
    known failure (status FAILED instead)."""
    service = UploadService(ws, actor)
    where = str(path_or_glob or "")
    try:
        defn = service.get(name)
        pattern = path_or_glob or defn.file
        if not pattern:
            raise ValidationError(f"Upload {defn.name} has no file saved: give the file to load.")
        where = str(pattern)
        path = newest_file(pattern)
        where = str(path)
        result = run_upload(ws, actor, defn, path, state)
    except DmsError as exc:
        result = UploadResult("FAILED", file=where, table="", mode="", message=exc.message)
    try:
        service.record_run(name, result.status)
    except DmsError as exc:  # the run's outcome matters more than its bookkeeping
        log.warning("Could not record the run of upload %s: %s", name, exc.message)
    return result
