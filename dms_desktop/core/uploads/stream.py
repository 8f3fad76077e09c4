"""The rows of one load on their way to the stage: read, checked, counted, reported.

``LoadStream.blocks`` yields what the stage writes: blocks of valid rows (canonical values,
or the file's own text when the fast path vouched for it, see fastpath.py). Bad rows go to
the error report (every one) and, when bad rows are skipped, to the rejects file; the
counts say how many rows were read and how many failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dms_desktop.core.tasks import TaskState
from dms_desktop.core.uploads import bulk
from dms_desktop.core.uploads.fastpath import ShapeCheck
from dms_desktop.core.uploads.model import Issue
from dms_desktop.core.uploads.plan import LoadPlan
from dms_desktop.core.uploads.readers import SourceFile, open_source
from dms_desktop.core.uploads.report import IssueSink, RejectsWriter

READ_SHARE = 0.9  # of the progress bar: the rest is key checks and the merge


@dataclass
class LoadStream:
    plan: LoadPlan
    source: SourceFile
    state: TaskState | None
    errors_path: Path | None = None
    keep_rejects: bool = False
    shapes: ShapeCheck | None = None
    read: int = 0
    bad_rows: int = 0
    drop: list[int] = field(default_factory=list)  # staged rows to remove (skip mode)
    sink: IssueSink = field(init=False)
    rejects: RejectsWriter | None = field(init=False)

    def __post_init__(self) -> None:
        self.sink = IssueSink(self.errors_path)
        self.rejects = (
            RejectsWriter(self.source.path, self.source.columns) if self.keep_rejects else None
        )

    def use_fast_path(self, backend: str) -> None:
        """Check plain CSV blocks by their shapes (PostgreSQL only: it judges the rest)."""
        delimiter = self.source.options.delimiter
        if (
            backend == "postgresql"
            and self.source.kind == "CSV"
            and ShapeCheck.usable(self.plan, delimiter)
        ):
            self.shapes = ShapeCheck(self.plan, delimiter, self.plan.defn.options.null_values)

    def restart(self) -> None:
        """Read the file again from the top, value by value (the fast path met a value the
        database refused: the value checks now say which rows and why)."""
        self.source.close()
        self.source = open_source(self.source.path, self.plan.defn.options)
        self.sink.close()
        self.sink = IssueSink(self.errors_path)
        if self.rejects is not None:
            self.rejects.discard()
            self.rejects = RejectsWriter(self.source.path, self.source.columns)
        self.shapes = None
        self.read = self.bad_rows = 0
        self.drop = []

    def bad(self, issues: list[Issue], raw: list[str] | None) -> None:
        for issue in issues:
            self.sink.add(issue)
        self.bad_rows += 1
        if self.rejects is not None and issues:
            reason = "; ".join(f"{i.column}: {i.reason}" if i.column else i.reason for i in issues)
            self.rejects.add(issues[0].row, reason, raw or [])

    def blocks(self) -> Iterator[bulk.Block]:
        delimiter = self.source.options.delimiter or ","
        for chunk in self.source.chunks(self.plan.defn.batch_rows):
            if self.state is not None:
                self.state.check()
            if self.shapes is not None and chunk.text is not None:
                payload = self.shapes.payload(chunk.text)
                if payload is not None:
                    self.read += len(chunk.rownums)
                    self._progress()
                    yield bulk.Block(chunk.rownums, [], payload=payload)
                    continue
            columns, issues, unchanged = self.plan.process(chunk)
            self.read += len(chunk.rownums) + len(chunk.bad)
            rownums = chunk.rownums
            found = [(issue.row, [issue], raw) for issue, raw in chunk.bad]
            found += [(rownums[i], issues[i], chunk.row(i)) for i in issues]
            for _row, row_issues, raw in sorted(found, key=lambda f: f[0]):
                self.bad(row_issues, raw)
            if issues:
                keep = [i for i in range(len(rownums)) if i not in issues]
                rownums = [rownums[i] for i in keep]
                columns = [[col[i] for i in keep] for col in columns]
            self._progress()
            yield bulk.Block(rownums, columns, chunk.text if unchanged else None, delimiter)

    def _progress(self) -> None:
        if self.state is None:
            return
        errors = f" · {self.bad_rows:,} bad" if self.bad_rows else ""
        fraction = self.source.fraction()
        shown = fraction * READ_SHARE if fraction >= 0 else -1.0
        self.state.report(shown, f"Read {self.read:,} rows{errors}")
