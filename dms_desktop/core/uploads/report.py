"""The error report and the rejects file, both written as the rows stream past.

``IssueSink`` keeps the first ``SHOWN_ERRORS`` issues in memory (what the wizard and the CLI
show) and writes every one to a CSV file (row, column, value, reason), so a file with a
million bad rows costs disk, not memory. ``RejectsWriter`` writes rejected rows beside the
source under a temporary name and renames it to ``<name>.rejects.csv`` only when the load
commits; a failed or cancelled load leaves no rejects file. Both files are UTF-8 with a BOM,
which Excel opens with the right characters.
"""

from __future__ import annotations

import csv
import os
import tempfile
import uuid
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

from dms_desktop.core.errors import DmsError
from dms_desktop.core.uploads.model import SHOWN_ERRORS, Issue

VALUE_CHARS = 500  # a value in the report is cut after this many characters
ERRORS_DIR = "dms-uploads"


def errors_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / ERRORS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _short(value: str) -> str:
    if len(value) <= VALUE_CHARS:
        return value
    return f"{value[:VALUE_CHARS]}… ({len(value):,} characters)"


class IssueSink:
    def __init__(self, path: Path | None = None, limit: int = SHOWN_ERRORS) -> None:
        self.path = path
        self.limit = limit
        self.count = 0
        self.shown: list[Issue] = []
        self._fh: IO[str] | None = None
        self._writer: Any = None

    def add(self, issue: Issue) -> None:
        issue = Issue(issue.row, issue.column, _short(issue.value), issue.reason)
        self.count += 1
        if len(self.shown) < self.limit:
            self.shown.append(issue)
        if self._writer is None:
            self._open()
        self._writer.writerow((issue.row, issue.column, issue.value, issue.reason))

    def _open(self) -> None:
        if self.path is None:
            self.path = errors_folder() / f"upload-{uuid.uuid4().hex[:10]}.errors.csv"
        try:
            self._fh = self.path.open("w", encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise DmsError(f"Cannot write the error report {self.path}: {exc.strerror}.") from exc
        self._writer = csv.writer(self._fh)
        self._writer.writerow(("row", "column", "value", "reason"))

    def close(self) -> str | None:
        """The report's path when there were errors."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        return str(self.path) if self.count else None


def rejects_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}.rejects.csv")


class RejectsWriter:
    def __init__(self, source: Path, columns: Sequence[str]) -> None:
        self.path = rejects_path(source)
        self.columns = list(columns)
        self.count = 0
        self._temp: Path | None = None
        self._fh: IO[str] | None = None
        self._writer: Any = None

    def add(self, row: int, reason: str, values: Sequence[str]) -> None:
        if self._writer is None:
            self._open()
        self.count += 1
        self._writer.writerow([row, reason, *values])

    def _open(self) -> None:
        self._temp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            self._fh = self._temp.open("w", encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise DmsError(
                f"Cannot write the rejected rows beside the file ({self.path}): "
                f"{exc.strerror}. Make the folder writable or load all-or-nothing."
            ) from exc
        self._writer = csv.writer(self._fh)
        self._writer.writerow(["row", "reason", *self.columns])

    def commit(self) -> str | None:
        """Rename the file to its final name; the path, or None when nothing was rejected."""
        if self._fh is None or self._temp is None:
            return None
        self._fh.close()
        self._fh = None
        try:
            os.replace(self._temp, self.path)
        except OSError as exc:
            raise DmsError(f"Cannot write {self.path}: {exc.strerror}.") from exc
        return str(self.path)

    def discard(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._temp is not None:
            with suppress(OSError):
                self._temp.unlink()
            self._temp = None
