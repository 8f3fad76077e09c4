"""A definition checked against a file and a table, compiled into per-column programs.

``compile_plan`` refuses, with every problem listed, what cannot work before a row is read:
a file column that is not in the file, a target column that is not in the table, a NOT NULL
column without a value, an upsert without a key, a bad regex or date format. ``LoadPlan``
then turns a chunk of file rows into target columns of canonical text plus the issues of
the rows that failed (each issue says row, column, value and why).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.uploads.checks import ColumnCheck
from dms_desktop.core.uploads.model import MODES, ColumnSpec, Issue, TargetColumn, UploadDef
from dms_desktop.core.uploads.readers import Chunk
from dms_desktop.core.uploads.rules import RuleProgram
from dms_desktop.core.uploads.target import normalised

MIN_BATCH, MAX_BATCH = 100, 1_000_000
RowIssues = dict[int, list[Issue]]  # chunk index -> its issues


@dataclass(frozen=True)
class PlannedColumn:
    spec: ColumnSpec
    target: TargetColumn
    source: int | None  # index of the file column
    rules: RuleProgram
    check: ColumnCheck

    @property
    def trims(self) -> bool:
        """Whether the rules must trim (a parsing check trims by itself)."""
        return not (self.check.parses and self.rules.trim_only)


class LoadPlan:
    def __init__(self, defn: UploadDef, columns: list[PlannedColumn], width: int) -> None:
        sources = [c.source for c in columns]
        # Every file column loaded once, in file order: raw rows fit the stage as they are.
        self.in_file_order = sources == list(range(width))
        if (
            not self.in_file_order
            and sorted(s for s in sources if s is not None) == list(range(width))
            and None not in sources
        ):
            columns = sorted(columns, key=lambda c: c.source or 0)
            self.in_file_order = True
        self.defn = defn
        self.columns = columns
        self.keys = [c.target.name for c in columns if c.spec.key]

    @property
    def targets(self) -> list[TargetColumn]:
        return [c.target for c in self.columns]

    def process(self, chunk: Chunk) -> tuple[list[list[str]], RowIssues, bool]:
        """Target columns for the chunk's rows, the issues of the rows that failed, and
        whether every value went through unchanged (in file order: ``chunk.text`` then holds
        the rows exactly as the stage needs them)."""
        count = len(chunk.rownums)
        if not count:
            return [[] for _ in self.columns], {}, False
        file_columns = chunk.columns
        empty = [""] * count
        out: list[list[str]] = []
        issues: RowIssues = {}
        unchanged = self.in_file_order
        for column in self.columns:
            raw = empty if column.source is None else file_columns[column.source]
            values = column.rules.apply(raw, trim=column.trims)
            checked, bad = column.check.run(values)
            unchanged = unchanged and checked is raw
            for index, reason in bad.items():
                issues.setdefault(index, []).append(
                    Issue(chunk.rownums[index], column.target.name, values[index], reason)
                )
            out.append(checked)
        return out, issues, unchanged and not issues


def _find_source(name: str, columns: Sequence[str]) -> int | None:
    if name in columns:
        return columns.index(name)
    lowered = [c.lower() for c in columns]
    if name.lower() in lowered:
        return lowered.index(name.lower())
    keys = [normalised(c) for c in columns]
    key = normalised(name)
    return keys.index(key) if key and keys.count(key) == 1 else None


def compile_plan(
    defn: UploadDef, file_columns: Sequence[str], targets: Sequence[TargetColumn]
) -> LoadPlan:
    """The plan, or a ValidationError listing what must change first."""
    problems: list[str] = []
    if defn.mode not in MODES:
        problems.append(f"Unknown load mode {defn.mode!r}: use APPEND, REPLACE or UPSERT.")
    if not MIN_BATCH <= defn.batch_rows <= MAX_BATCH:
        problems.append(f"Rows per batch must be between {MIN_BATCH:,} and {MAX_BATCH:,}.")
    if defn.max_rejects < 0:
        problems.append("The number of bad rows to skip cannot be negative.")
    by_name = {t.name.lower(): t for t in targets}
    planned: list[PlannedColumn] = []
    seen: set[str] = set()
    for spec in defn.columns:
        target = by_name.get(spec.target.lower())
        if target is None:
            problems.append(f"Table {defn.table} has no column {spec.target}.")
            continue
        if target.name in seen:
            problems.append(f"Column {target.name} is mapped twice.")
            continue
        seen.add(target.name)
        source = None
        if spec.source and spec.rule.constant is None:
            source = _find_source(spec.source, file_columns)
            if source is None:
                shown = ", ".join(file_columns[:12]) + ("…" if len(file_columns) > 12 else "")
                problems.append(
                    f"The file has no column {spec.source!r} (for {target.name}); its columns "
                    f"are: {shown}."
                )
                continue
        elif spec.rule.constant is None and spec.rule.default is None:
            problems.append(
                f"{target.name} has no file column, constant or default: map it or remove it."
            )
            continue
        required = spec.key or spec.required or not target.nullable
        try:
            rules = RuleProgram(spec.rule, defn.options.null_values)
            check = ColumnCheck(
                target, spec.rule, required=required, file_decimal=defn.options.decimal
            )
        except DmsError as exc:
            problems.append(f"{target.name}: {exc.message}")
            continue
        planned.append(
            PlannedColumn(replace(spec, target=target.name), target, source, rules, check)
        )
    missing = [
        t.name for t in targets if not t.nullable and not t.has_default and t.name not in seen
    ]
    if missing:
        problems.append(
            f"NOT NULL column{'s' if len(missing) > 1 else ''} {', '.join(missing)} without a "
            "default: map a file column, a constant or a default."
        )
    if defn.mode == "UPSERT" and not any(c.spec.key for c in planned):
        problems.append("Upsert needs a key: mark the column(s) that identify a row.")
    if not planned and not problems:
        problems.append("No column is mapped: map at least one file column to the table.")
    if problems:
        listed = "\n  - ".join(problems[:8])
        more = f"\n  (and {len(problems) - 8} more)" if len(problems) > 8 else ""
        raise ValidationError(f"The upload {defn.name or ''} cannot run:\n  - {listed}{more}")
    return LoadPlan(defn, planned, len(file_columns))
