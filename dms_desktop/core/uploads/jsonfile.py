"""JSON files: an array of objects, or JSON Lines (one object per line), streamed.

An array is read element by element with ``JSONDecoder.raw_decode`` over a sliding text
buffer, so a million-element array is never in memory at once. Nested objects are flattened
to dotted names (``{"address": {"city": "Oslo"}}`` gives the column ``address.city``); lists
are kept as JSON text. Columns are the keys of the first 1,000 records in order of
appearance; keys first seen later are ignored (and counted in the notes).

A malformed array stops the read with its line and column (what follows cannot be trusted);
in JSON Lines a malformed line is a bad row like any other, so "skip bad rows" works.
A single object holding one list of objects (``{"rates": [...]}``) is read whole.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

from dms_desktop.core.errors import DmsError
from dms_desktop.core.uploads.detect import detect_encoding
from dms_desktop.core.uploads.model import FileOptions, Issue
from dms_desktop.core.uploads.readers import Chunk, EmptyFile, SourceFile, text_of

SAMPLE_RECORDS = 1_000
READ_CHARS = 1 << 20
_WS = " \t\r\n"
Record = tuple[int, dict[str, Any] | None, str]  # row, flattened record (None: bad), problem


def flatten(
    obj: dict[str, Any], prefix: str = "", out: dict[str, Any] | None = None
) -> dict[str, Any]:
    out = {} if out is None else out
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flatten(value, name + ".", out)
        elif isinstance(value, dict | list):
            out[name] = json.dumps(value, ensure_ascii=False)
        else:
            out[name] = value
    return out


class MalformedJson(DmsError):
    pass


class _ArrayStream:
    """Elements of a top-level JSON array, one at a time."""

    def __init__(self, text: io.TextIOBase, name: str) -> None:
        self.text, self.name = text, name
        self.buf, self.pos, self.eof = "", 0, False
        self.lines_before = 0  # line breaks in the text dropped from the buffer
        self.decoder = json.JSONDecoder()

    def _more(self, size: int = READ_CHARS) -> bool:
        if self.eof:
            return False
        if self.pos > READ_CHARS:
            self.lines_before += self.buf.count("\n", 0, self.pos)
            self.buf, self.pos = self.buf[self.pos :], 0
        data = self.text.read(size)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _skip_ws(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def fail(self, at: int, why: str) -> MalformedJson:
        line = self.lines_before + self.buf.count("\n", 0, at) + 1
        column = at - self.buf.rfind("\n", 0, at)
        return MalformedJson(
            f"{self.name} is not valid JSON at line {line:,}, column {column}: {why}. "
            "Nothing after that point can be read; fix the file and try again."
        )

    def __iter__(self) -> Iterator[Any]:
        if self._skip_ws() != "[":
            raise self.fail(self.pos, "expected '[' to start the array")
        self.pos += 1
        first = True
        while True:
            char = self._skip_ws()
            if char == "]":
                self.pos += 1
                if self._skip_ws():
                    raise self.fail(self.pos, "extra data after the closing ']'")
                return
            if not char:
                raise self.fail(self.pos, "the file ends inside the array (missing ']')")
            if not first:
                if char != ",":
                    raise self.fail(self.pos, "expected ',' or ']' after an element")
                self.pos += 1
                if not self._skip_ws():
                    raise self.fail(self.pos, "the file ends inside the array")
            first = False
            yield self._element()

    def _element(self) -> Any:
        grow = READ_CHARS
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._more(grow):
                    grow *= 2
                    continue
                raise self.fail(exc.pos, exc.msg.lower()) from exc
            if end >= len(self.buf) and self._more(grow):
                grow *= 2  # a number cut by the buffer's end: read on and decode again
                continue
            self.pos = end
            return value


class JsonSource(SourceFile):
    kind = "JSON"

    def __init__(self, path: Path, options: FileOptions) -> None:
        super().__init__(path, options)
        encoding = options.encoding or detect_encoding(path)
        self._text = io.TextIOWrapper(path.open("rb"), encoding=encoding)
        try:
            self._records = self._open()
            sample = list(islice(self._records, SAMPLE_RECORDS))
        except UnicodeDecodeError as exc:
            self.close()
            raise DmsError(f"{path.name} is not valid {encoding} text: {exc.reason}.") from exc
        except BaseException:
            self.close()
            raise
        names: dict[str, None] = {}
        for _row, record, _why in sample:
            if record is not None:
                names.update(dict.fromkeys(record))
        if not names:
            if not sample:
                raise EmptyFile(f"{path.name} holds no records: there is nothing to load.")
            raise DmsError(f"{path.name} holds no JSON objects: {sample[0][2]}.")
        self.columns = list(names)
        self._known = set(names)
        self._sample = sample
        self.ignored: set[str] = set()
        self.options = replace(options, kind="JSON", encoding=encoding)

    def _open(self) -> Iterator[Record]:
        head = self._text.read(1)
        while head and head in _WS + "\ufeff":
            head = self._text.read(1)
        if not head:
            raise EmptyFile(f"{self.path.name} is empty: there is nothing to load.")
        if head == "[":
            self.notes.append("Layout: JSON array of objects")
            stream = _ArrayStream(self._text, self.path.name)
            stream.buf = head
            return self._from_array(iter(stream))
        rest = self._text.readline()
        first = head + rest
        try:
            json.loads(first)
        except json.JSONDecodeError:
            return self._single_object(first)
        self.notes.append("Layout: JSON Lines (one object per line)")
        return self._from_lines(first)

    def _from_array(self, elements: Iterator[Any]) -> Iterator[Record]:
        for number, element in enumerate(elements, start=1):
            yield _record(number, element)

    def _from_lines(self, first: str) -> Iterator[Record]:
        lines = iter(self._text)
        number = 0
        for line in _chain(first, lines):
            number += 1
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"not valid JSON (column {exc.colno}: {exc.msg.lower()})"
                continue
            yield _record(number, value)

    def _single_object(self, first: str) -> Iterator[Record]:
        text = first + self._text.read()
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedJson(
                f"{self.path.name} is not valid JSON at line {exc.lineno:,}, column "
                f"{exc.colno}: {exc.msg.lower()}."
            ) from exc
        lists = (
            [k for k, v in value.items() if isinstance(v, list)] if isinstance(value, dict) else []
        )
        if len(lists) == 1 and all(isinstance(e, dict) for e in value[lists[0]]):
            self.notes.append(f"Layout: the list {lists[0]!r} of one JSON object")
            return self._from_array(iter(value[lists[0]]))
        self.notes.append("Layout: one JSON object (one row)")
        return iter([_record(1, value)])

    def chunks(self, size: int) -> Iterator[Chunk]:
        pending, self._sample = self._sample, []
        columns = self.columns
        while True:
            try:
                records = pending + list(islice(self._records, max(size - len(pending), 0)))
            except UnicodeDecodeError as exc:
                raise DmsError(f"{self.path.name} is not valid text: {exc.reason}.") from exc
            pending = []
            if not records:
                if self.ignored:
                    shown = ", ".join(sorted(self.ignored)[:5])
                    self.notes.append(
                        f"Keys first seen after record {SAMPLE_RECORDS:,} ignored: {shown}"
                    )
                return
            rownums: list[int] = []
            rows: list[list[str]] = []
            bad: list[tuple[Issue, list[str]]] = []
            for row, record, why in records:
                if record is None:
                    bad.append((Issue(row, "", "", why), []))
                    continue
                if not self._known.issuperset(record):
                    self.ignored.update(k for k in record if k not in self._known)
                rownums.append(row)
                rows.append([text_of(record.get(c)) for c in columns])
            yield Chunk.from_rows(rownums, rows, len(columns), bad)

    def fraction(self) -> float:
        try:
            return min(self._text.buffer.tell() / self.size, 1.0)
        except (OSError, ValueError, AttributeError):
            return -1.0

    def close(self) -> None:
        text = getattr(self, "_text", None)
        if text is not None:
            text.close()


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _record(number: int, value: Any) -> Record:
    if isinstance(value, dict):
        return number, flatten(value), ""
    kind = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )
    return number, None, f"is {kind}, not a JSON object"
