"""The fast path onto PostgreSQL: plain CSV checked by the shape of its lines, not value by value.

A block of plain delimited text (no quotes) is turned into its *shape* in one C call: digits
become ``9``, ASCII letters ``a``, other non-ASCII bytes ``u``. A million rows have a few
hundred distinct line shapes; each is split into fields once and every field shape checked
against its column: a number of the right digits, a date or timestamp written the ISO way,
a non-empty value where the column is NOT NULL, text that needs no trimming. A block whose
every line shape passes goes to COPY as the file wrote it (the delimiter made a tab), with no
Python object per value.

What a shape cannot tell (is 2026-02-30 a date? does a text fit VARCHAR(20)? is ``tru`` a
boolean?) PostgreSQL decides as COPY parses the typed stage, by the same rules as the value
checks (checks.py accepts exactly what PostgreSQL's input functions accept for these shapes).
When it refuses a value, the load starts again value by value (run.py), which then reports
every bad row with its reason: only a file with errors pays for the second pass.

Used when the mapping loads every file column once, in order, with no rule beyond trimming,
ISO dates, decimal points and no NULL markers present; anything else takes the value path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dms_desktop.core.uploads.plan import LoadPlan

_SHAPES = bytes(
    ord("9") if chr(b).isdigit() and b < 128 else
    ord("a") if chr(b).isalpha() and b < 128 else
    ord("u") if b >= 128 else b
    for b in range(256)
)  # fmt: skip
_EDGE = b" \t\x0b\x0c\x1c\x1d\x1e\x1fu"  # a value starting or ending so might need trimming
_TEXT = (b"string", b"char", b"text")
CACHE = 50_000


def _field_re(family: str, size: int | None, scale: int | None) -> bytes | None:
    if family == "int":
        digits = {1: 2, 2: 4, 4: 9, 8: 18}.get(size or 8, 18)
        return rb"[+-]?9{1,%d}" % digits
    if family == "decimal":
        if not size:
            return rb"[+-]?(?:9+(?:\.9*)?|\.9+)"
        whole, scale = size - (scale or 0), scale or 0
        fraction = rb"(?:\.9{1,%d})?" % scale if scale else b""
        return rb"[+-]?9{1,%d}" % whole + fraction if whole else rb"[+-]?9?\.9{1,%d}" % scale
    if family == "float":
        return rb"[+-]?(?:9+(?:\.9*)?|\.9+)(?:a[+-]?9+)?"
    if family == "date":
        return rb"9999-99-99"
    if family == "timestamp":
        return rb"9999-99-99[ a]99:99:99(?:\.9{1,6})?"
    if family == "boolean":
        return rb"a{1,5}|9"
    if family in ("string", "char", "text"):
        return None  # checked by its edges (trim) and PostgreSQL (length)
    return b"\x00"  # another type: never by shape


class ShapeCheck:
    """Checks blocks of a plan's file by their line shapes."""

    def __init__(self, plan: LoadPlan, delimiter: str, null_values: Sequence[str]) -> None:
        self.delimiter = delimiter.encode("utf-8")
        self.nulls = [v.lower() for v in null_values if v]
        self.width = len(plan.columns)
        self.fields: list[tuple[re.Pattern[bytes] | None, bool]] = []
        for column in plan.columns:
            target = column.target
            pattern = _field_re(target.family, target.size, target.scale)
            compiled = re.compile(pattern) if pattern is not None else None
            self.fields.append((compiled, column.check.required))
        self.empty_line = self.delimiter * (self.width - 1)
        self.known: dict[bytes, bool] = {}

    @staticmethod
    def usable(plan: LoadPlan, delimiter: str) -> bool:
        """Whether the plan's file can go this way at all."""
        if not plan.in_file_order or len(delimiter) != 1 or delimiter in "9au.-+: \\":
            return False
        for column in plan.columns:
            rule = column.spec.rule
            check = column.check
            if not column.rules.trim_only or rule.date_format:
                return False
            if check.decimal != "." or check.thousands:
                return False
            if _field_re(column.target.family, column.target.size, column.target.scale) == b"\x00":
                return False
        return True

    def payload(self, text: str) -> bytes | None:
        """The block as COPY text when every line passes, else None."""
        if "\\" in text or (self.delimiter != b"\t" and "\t" in text):
            return None
        if self.nulls:
            lowered = text.lower()
            if any(marker in lowered for marker in self.nulls):
                return None
        raw = text.encode("utf-8")
        shapes = raw.translate(_SHAPES)
        for line in set(shapes[:-1].split(b"\n")):
            ok = self.known.get(line)
            if ok is None:
                if len(self.known) > CACHE:
                    self.known.clear()
                ok = self.known[line] = self._line_ok(line)
            if not ok:
                return None
        return raw if self.delimiter == b"\t" else raw.replace(self.delimiter, b"\t")

    def _line_ok(self, line: bytes) -> bool:
        if line == self.empty_line:
            return False  # a row without any value is skipped by the value path
        values = line.split(self.delimiter)
        if len(values) != self.width:
            return False
        for value, (pattern, required) in zip(values, self.fields, strict=True):
            if not value:
                if required:
                    return False
                continue
            if value[0] in _EDGE or value[-1] in _EDGE:
                return False
            if pattern is not None and pattern.fullmatch(value) is None:
                return False
        return True
