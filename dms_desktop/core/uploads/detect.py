"""Guessing how a text file is written: encoding, delimiter, quote character.

Encoding: a byte-order mark decides (UTF-8, UTF-16, UTF-32); UTF-16 without one shows as
NUL bytes in every other position; otherwise the whole file is checked as UTF-8 in blocks
(fast: C decoding, memory flat), and a file that is not UTF-8 is read as cp1252 (what Excel
writes in Western Europe), or Latin-1 when it holds bytes cp1252 leaves undefined.

Delimiter: each candidate parses the first lines with the csv module; the one giving the
same number of fields (more than one) on the most lines wins, ties going to the larger
count. The caller shows what was chosen, so a wrong guess is one click away from fixed.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from pathlib import Path

SAMPLE_BYTES = 256 * 1024
SCAN_BLOCK = 4 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16 (BOM)",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "utf-32": "UTF-32 (BOM)",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}


def encoding_label(encoding: str) -> str:
    return ENCODING_LABELS.get(encoding.lower(), encoding)


def delimiter_label(delimiter: str) -> str:
    return DELIMITER_NAMES.get(delimiter, repr(delimiter))


def detect_encoding(path: Path) -> str:
    """The codec name to open ``path`` with (see the module docstring)."""
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
        for bom, name in _BOMS:
            if head.startswith(bom):
                return name
        utf16 = _utf16_without_bom(head)
        if utf16:
            return utf16
        if _all_utf8(fh, head):
            return "utf-8"
    try:
        with path.open("rb") as fh:
            while block := fh.read(SCAN_BLOCK):
                block.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[: 4096 - (len(head[:4096]) % 2)]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.4 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.4 and odd < half * 0.05:
        return "utf-16-be"
    return None


def _all_utf8(fh: io.BufferedReader, head: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head)
        while block := fh.read(SCAN_BLOCK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_SIGNATURES = (
    (
        b"PK\x03\x04",
        "a ZIP archive (an .xlsx workbook is one): name it .xlsx, or save the sheet as CSV",
    ),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 (or other Office) file: save it as .xlsx or CSV"),
    (b"%PDF", "a PDF document: export the data as CSV"),
    (b"\x1f\x8b", "gzip-compressed: unpack it first"),
)
_CONTROL = frozenset(chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127))


def binary_reason(path: Path, text: str) -> str | None:
    """Why ``path`` is not a text file, or None. ``text`` is its decoded beginning: a control
    character (NUL and the like) in the header line, or in over 1 % of the sample, means
    binary; an odd NUL inside a value is left to the row checks, which report that row."""
    with path.open("rb") as fh:
        head = fh.read(8)
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            return f"is {what}"
    header = text.split("\n", 1)[0]
    sample = text[:65536]
    controls = sum(1 for ch in sample if ch in _CONTROL)
    if any(ch in _CONTROL for ch in header) or controls > max(16, len(sample) / 100):
        return (
            "is not a text file: it holds control characters such as NUL near its start; "
            "choose the CSV export of the data"
        )
    return None


def sample_text(path: Path, encoding: str, limit: int = SAMPLE_BYTES) -> str:
    """The beginning of the file as text (a partial last character is dropped)."""
    with path.open("rb") as fh:
        raw = fh.read(limit)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return str(decoder.decode(raw, final=False))


def sniff_delimiter(sample: str, quote: str = '"') -> str:
    """The delimiter among DELIMITERS that splits the sample most consistently."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end inside a line
    text = "".join(lines[:200])
    best: tuple[int, int, int, str] | None = None
    for delimiter in DELIMITERS:
        counts = _field_counts(text, delimiter, quote)
        if not counts:
            continue
        width, agreeing = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (agreeing, width, -DELIMITERS.index(delimiter), delimiter)
        if best is None or score[:3] > best[:3]:
            best = score
    return best[3] if best else ","


def _field_counts(text: str, delimiter: str, quote: str) -> list[int]:
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quote or None)
        return [len(row) for row in reader if row]
    except csv.Error:
        return []


def sniff_quote(sample: str, delimiter: str) -> str:
    """Double quote unless the sample quotes fields with single quotes only."""
    if '"' in sample:
        return '"'
    starts = sample.count(delimiter + "'") + sample.count("\n'")
    return "'" if starts >= 2 else '"'
