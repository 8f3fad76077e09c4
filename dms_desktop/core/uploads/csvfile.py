"""CSV and other delimited text, streamed through the csv module (C speed).

The encoding, delimiter and quote character are detected unless given (``detect``); quoted
fields may hold delimiters, quotes ("" inside quotes) and line breaks. The csv module's field
limit is raised so a 10 MB field reads (the target's column length decides whether it fits).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from operator import methodcaller
from pathlib import Path
from typing import Any

from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.uploads.detect import (
    binary_reason,
    delimiter_label,
    detect_encoding,
    encoding_label,
    sample_text,
    sniff_delimiter,
    sniff_quote,
)
from dms_desktop.core.uploads.model import FileOptions
from dms_desktop.core.uploads.readers import Chunk, EmptyFile, SourceFile, fit_rows, unique_names

csv.field_size_limit(2**31 - 1)


class CsvSource(SourceFile):
    kind = "CSV"

    def __init__(self, path: Path, options: FileOptions) -> None:
        super().__init__(path, options)
        encoding = options.encoding or detect_encoding(path)
        self._check_codec(encoding)
        sample = sample_text(path, encoding)
        if not sample.strip().lstrip("\ufeff"):
            raise EmptyFile(f"{path.name} holds only blank lines: there is nothing to load.")
        binary = binary_reason(path, sample)
        if binary:
            raise ValidationError(f"{path.name} {binary}.")
        delimiter = options.delimiter or sniff_delimiter(sample, options.quote or '"')
        if delimiter in ("\\t", "tab", "TAB"):
            delimiter = "\t"
        quote = options.quote if options.quote else sniff_quote(sample, delimiter)
        for name, value, given in (
            ("Encoding", encoding_label(encoding), options.encoding),
            ("Delimiter", delimiter_label(delimiter), options.delimiter),
        ):
            self.notes.append(f"{name}: {value}{'' if given else ' (detected)'}")
        self.options = replace(
            options,
            kind="CSV",
            encoding=encoding,
            delimiter=delimiter,
            quote=quote,
            skip_rows=max(options.skip_rows, 0),
            header_rows=max(options.header_rows, 1),
        )
        self._raw = path.open("rb")
        self._text = io.TextIOWrapper(self._raw, encoding=encoding, newline="")
        self._dialect: dict[str, Any] = {
            "delimiter": delimiter,
            "quotechar": quote or None,
            "quoting": csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE,
        }
        self._reader = csv.reader(self._text, **self._dialect)
        lines = sample.splitlines() or [sample]
        self._line_chars = max(len(sample) // max(len(lines), 1), 8)
        self._old_mac = "\r" in sample and "\n" not in sample
        self._row = 0  # records read so far (the file's row number of the last one)
        try:
            self._read_header()
        except BaseException:
            self.close()
            raise

    def _check_codec(self, encoding: str) -> None:
        try:
            "".encode(encoding)
        except LookupError as exc:
            raise DmsError(f"Unknown encoding {encoding!r}: use e.g. utf-8 or cp1252.") from exc

    def _records(self, count: int) -> list[list[str]]:
        try:
            records = list(islice(self._reader, count))
        except UnicodeDecodeError as exc:
            raise DmsError(
                f"{self.path.name} is not valid {encoding_label(self.options.encoding)} near row "
                f"{self._row + 1:,}: choose the file's encoding (e.g. cp1252 or utf-8)."
            ) from exc
        except csv.Error as exc:
            raise DmsError(
                f"{self.path.name} cannot be read as CSV near row {self._row + 1:,}: {exc}."
            ) from exc
        return records

    def _read_header(self) -> None:
        skipped = self._records(self.options.skip_rows)
        self._row = len(skipped)
        if not self.options.header:
            first = self._records(1)
            self._pending = first
            width = len(first[0]) if first else 0
            self.columns = [f"column_{i}" for i in range(1, width + 1)]
            if not first:
                raise EmptyFile(f"{self.path.name} has no rows to load.")
            return
        self._pending = []
        header_rows = self._records(self.options.header_rows)
        self._row += len(header_rows)
        header_rows = [r for r in header_rows if any(c.strip() for c in r)]
        if not header_rows:
            raise EmptyFile(f"{self.path.name} has no header row: there is nothing to load.")
        width = max(map(len, header_rows))
        cells = [
            " ".join(
                dict.fromkeys(r[i].strip() for r in header_rows if i < len(r) and r[i].strip())
            )
            for i in range(width)
        ]
        if cells and cells[0].startswith("\ufeff"):
            cells[0] = cells[0][1:]
        while len(cells) > 1 and not cells[-1]:
            cells.pop()  # a trailing delimiter is not a column
        self.columns, notes = unique_names(cells)
        self.warnings += notes

    def chunks(self, size: int) -> Iterator[Chunk]:
        width = len(self.columns)
        pending, self._pending = self._pending, []
        if pending:
            self._row += len(pending)
            yield fit_rows(pending, self._row - len(pending) + 1, width)
        if self._old_mac:  # lone CR line ends: the csv module splits them, line by line
            while rows := self._records(size):
                first = self._row + 1
                self._row += len(rows)
                yield fit_rows(rows, first, width)
            return
        for block in self._blocks(size):
            yield self._parse(block, width)

    def _blocks(self, rows: int) -> Iterator[str]:
        """The text in pieces of about ``rows`` lines, each ending at a record's end (never
        inside quotes: a quoted line break belongs to its record)."""
        target = min(max(rows * self._line_chars, 1 << 16), 16 << 20)
        quote = self.options.quote
        leftover = ""
        while True:
            data = self._read(target)
            if not data:
                if leftover:
                    yield leftover if leftover.endswith("\n") else leftover + "\n"
                return
            buf = leftover + data
            cut = buf.rfind("\n")
            if quote and cut >= 0 and quote in buf:
                while cut >= 0 and buf.count(quote, 0, cut + 1) % 2:
                    cut = buf.rfind("\n", 0, cut)
            if cut < 0:  # one record longer than a piece: read bigger pieces (not quadratic)
                leftover = buf
                target = min(target * 2, 64 << 20)
                continue
            yield buf[: cut + 1]
            leftover = buf[cut + 1 :]

    def _read(self, chars: int) -> str:
        try:
            return self._text.read(chars)
        except UnicodeDecodeError as exc:
            raise DmsError(
                f"{self.path.name} is not valid {encoding_label(self.options.encoding)} after "
                f"row {self._row:,}: choose the file's encoding (e.g. cp1252 or utf-8)."
            ) from exc

    def _parse(self, block: str, width: int) -> Chunk:
        """Rows of a block: plain text (no quotes) is split only when needed, at C speed when
        every line has the header's width; anything else goes through the csv module."""
        first = self._row + 1
        text = block.replace("\r\n", "\n") if "\r" in block else block
        quote = self.options.quote
        if "\r" not in text and "\x00" not in text and not (quote and quote in text) and width > 1:
            count = text.count("\n")
            self._row += count
            numbers = list(range(first, first + count))
            return Chunk(numbers, text=text, split=lambda: self._split(text, numbers, width))
        rows = self._csv_rows(block)
        self._row += len(rows)
        return fit_rows(rows, first, width)

    def _split(self, text: str, numbers: list[int], width: int) -> Chunk:
        delimiter = self.options.delimiter
        lines = text[:-1].split("\n")
        counts = list(map(methodcaller("count", delimiter), lines))
        if counts.count(width - 1) == len(lines) and delimiter * (width - 1) not in lines:
            values = delimiter.join(lines).split(delimiter)
            return Chunk(numbers, [values[i::width] for i in range(width)], text=text)
        return fit_rows(self._csv_rows(text), numbers[0], width)

    def _csv_rows(self, block: str) -> list[list[str]]:
        try:
            return list(csv.reader(io.StringIO(block, newline=""), **self._dialect))
        except csv.Error as exc:
            raise DmsError(
                f"{self.path.name} cannot be read as CSV after row {self._row:,}: {exc}."
            ) from exc

    def fraction(self) -> float:
        try:
            return min(self._raw.tell() / self.size, 1.0)
        except (OSError, ValueError):
            return 1.0

    def close(self) -> None:
        text = getattr(self, "_text", None)
        if text is not None:
            text.close()
