"""File uploads, the reading side: encodings, delimiters, quoting, Excel, JSON, inference."""

from __future__ import annotations

import codecs
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table
from sqlalchemy.dialects import oracle

from dms_desktop.core.errors import DmsError, ValidationError
from dms_desktop.core.uploads import (
    ColumnSpec,
    EmptyFile,
    FileOptions,
    create_table_ddl,
    inspect_file,
    open_source,
)
from dms_desktop.core.uploads.bulk import _update
from dms_desktop.core.uploads.checks import ColumnCheck
from dms_desktop.core.uploads.model import ColumnRule, TargetColumn
from tests.core.upload_files import HEADER, ROWS, csv_text, write_csv, write_json, write_xlsx


def rows_of(path: Path, options: FileOptions | None = None) -> tuple[list[str], list[list[str]]]:
    with open_source(path, options) as source:
        rows: list[list[str]] = []
        for chunk in source.chunks(2):
            rows += chunk.rows()
        return source.columns, rows


@pytest.mark.parametrize(
    ("encoding", "label"),
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8 with BOM"),
        ("utf-16", "UTF-16 (BOM)"),
        ("utf-16-le", "UTF-16 LE"),
        ("utf-16-be", "UTF-16 BE"),
        ("cp1252", "Windows-1252"),
    ],
)
def test_each_encoding_is_detected_and_read(tmp_path: Path, encoding: str, label: str) -> None:
    path = write_csv(tmp_path / "f.csv", encoding=encoding)
    profile = inspect_file(path)
    assert f"Encoding: {label} (detected)" in profile.notes
    assert profile.columns == HEADER  # no BOM left on the first name
    assert profile.rows == ROWS


def test_utf8_with_a_cp1252_byte_after_the_sample_is_read_as_cp1252(tmp_path: Path) -> None:
    text = csv_text([[str(i), "plain", "1", "2026-01-01"] for i in range(20_000)])
    path = tmp_path / "late.csv"
    path.write_bytes(text.encode("ascii") + "99,Köln,1,2026-01-01\r\n".encode("cp1252"))
    assert inspect_file(path).options.encoding == "cp1252"
    _columns, rows = rows_of(path)
    assert rows[-1][1] == "Köln"


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"),
                                                 ("\t", "tab"), ("|", "pipe")])  # fmt: skip
def test_each_delimiter_is_sniffed(tmp_path: Path, delimiter: str, name: str) -> None:
    rows = [*ROWS, ["4", "Comma, Inc.", "1.00", "2026-03-01"]]
    path = write_csv(tmp_path / "f.csv", rows, delimiter=delimiter)
    profile = inspect_file(path)
    assert f"Delimiter: {name} (detected)" in profile.notes
    assert profile.rows[-1][1] == "Comma, Inc."


def test_quoted_newlines_quotes_and_row_numbers(tmp_path: Path) -> None:
    rows = [["1", 'He said "hi"', "1", "2026-01-01"], ["2", "two\nlines\nhere", "2", "2026-01-02"],
            ["3", "after", "3", "2026-01-03"]]  # fmt: skip
    path = write_csv(tmp_path / "q.csv", rows)
    with open_source(path) as source:
        chunk = next(source.chunks(100))
        assert chunk.rows() == rows
        assert chunk.rownums == [2, 3, 4]  # records, as a spreadsheet numbers them


def test_ragged_rows_short_padded_long_refused_blank_skipped(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n\n6,7,8,9\n10,11,12,\n,,\n13,14,15\n", encoding="utf-8")
    with open_source(path) as source:
        chunk = next(source.chunks(100))
        rows, numbers = chunk.rows(), chunk.rownums
    assert rows == [["1", "2", "3"], ["4", "5", ""], ["10", "11", "12"], ["13", "14", "15"]]
    assert numbers == [2, 3, 6, 8]
    (issue, raw), = chunk.bad  # fmt: skip
    assert issue.row == 5 and "has 4 values but the header has 3 columns" in issue.reason
    assert raw == ["6", "7", "8", "9"]


def test_empty_file_and_blank_file_say_so(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "blank.csv").write_bytes(codecs.BOM_UTF8 + b"\r\n\r\n")
    with pytest.raises(EmptyFile, match="empty.csv is empty"):
        inspect_file(tmp_path / "empty.csv")
    with pytest.raises(EmptyFile, match="nothing to load"):
        inspect_file(tmp_path / "blank.csv")


def test_binary_files_named_csv_are_refused_with_what_they_are(tmp_path: Path) -> None:
    xlsx = write_xlsx(tmp_path / "book.xlsx", {"A1": "id", "B1": "name", "A2": 1, "B2": "Ada"})
    renamed = tmp_path / "book.csv"
    renamed.write_bytes(xlsx.read_bytes())
    with pytest.raises(ValidationError, match=r"book.csv is a ZIP archive .*name it .xlsx"):
        inspect_file(renamed)
    garbage = tmp_path / "dump.csv"
    garbage.write_bytes(b"\x00\x01\x02garbage\n\x03\x04,\x05\n")
    with pytest.raises(ValidationError, match="dump.csv is not a text file"):
        inspect_file(garbage)
    one_nul = tmp_path / "one_nul.csv"  # text with one bad value: that row is reported
    one_nul.write_bytes(b"id,name\n1,A\x00B\n2,C\n")
    columns, rows = rows_of(one_nul)
    assert columns == ["id", "name"] and rows == [["2", "C"]]


def test_header_only_has_columns_and_no_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [])
    profile = inspect_file(path)
    assert profile.columns == HEADER and profile.rows == [] and profile.sampled == 0


def test_duplicate_and_blank_headers_are_renamed_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("amount,Amount,,amount\n1,2,3,4\n", encoding="utf-8")
    profile = inspect_file(path)
    assert profile.columns == ["amount", "Amount_2", "column_3", "amount_3"]
    assert any("repeats" in w for w in profile.warnings)


def test_a_10_mb_field_is_read_whole(tmp_path: Path) -> None:
    big = "x" * 10_000_000
    path = write_csv(tmp_path / "big.csv", [["1", big, "1", "2026-01-01"]])
    _columns, rows = rows_of(path)
    assert len(rows[0][1]) == 10_000_000


def test_skip_rows_and_no_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Report of the day\nexported 2026-01-01\nid;name\n1;a\n2;b\n", encoding="utf-8")
    columns, rows = rows_of(path, FileOptions(skip_rows=2))
    assert columns == ["id", "name"] and rows == [["1", "a"], ["2", "b"]]
    columns, rows = rows_of(path, FileOptions(skip_rows=3, header=False, delimiter=";"))
    assert columns == ["column_1", "column_2"] and rows == [["1", "a"], ["2", "b"]]


def test_european_excel_csv_is_detected_without_options(tmp_path: Path) -> None:
    """Semicolons, cp1252, decimal commas, thousands points, dd.mm.yyyy."""
    text = ("Datum;Währung;Kurs;Betrag €\r\n31.12.2025;USD;1,0856;1.234.567,50\r\n"
            "02.01.2026;CHF;0,9312;12,00\r\n05.01.2026;JPY;161,2;1.000\r\n")  # fmt: skip
    path = tmp_path / "kurse.csv"
    path.write_bytes(text.encode("cp1252"))
    profile = inspect_file(path)
    assert profile.options.encoding == "cp1252" and profile.options.delimiter == ";"
    assert "Dates: %d.%m.%Y (detected in Datum)" in profile.notes
    assert any(n.startswith("Numbers: decimal comma, thousands '.'") for n in profile.notes)
    kinds = {g.name: (g.family, g.type_text("postgres")) for g in profile.guesses}
    assert kinds["Kurs"] == ("decimal", "NUMERIC(18,4)")
    assert kinds["Betrag €"] == ("decimal", "NUMERIC(18,2)")
    assert kinds["Datum"] == ("date", "DATE")


def test_type_inference(tmp_path: Path) -> None:
    rows = [["007", "1", "2026-01-01 10:00:00", "true", "3000000000", "x" * 30],
            ["042", "2", "2026-01-02 11:30:00", "FALSE", "1", "short"]]  # fmt: skip
    path = write_csv(tmp_path / "t.csv", rows, header=["code", "n", "ts", "flag", "big", "text"])
    guesses = {g.name: g for g in inspect_file(path).guesses}
    assert guesses["code"].family == "string"  # leading zeros: a code, not a number
    assert guesses["n"].type_text("postgres") == "INTEGER"
    assert guesses["big"].type_text("postgres") == "BIGINT"
    assert guesses["ts"].type_text("postgres") == "TIMESTAMP"
    assert guesses["flag"].type_text("postgres") == "BOOLEAN"
    assert guesses["text"].type_text("postgres") == "VARCHAR(50)"
    assert guesses["text"].type_text("oracle") == "VARCHAR2(50)"


# --- Excel -------------------------------------------------------------------------------------


def budget_book(path: Path, with_values: bool = True) -> Path:
    cells = {
        "A1": "Budget 2026 (title)",
        "A3": "Centre", "B3": "Budget 2026", "F3": "Total", "G3": "Approved",
        "B4": "Q1", "C4": "Q2", "D4": "Q3", "E4": "Q4",
        "A5": "CC-1", "B5": 10, "C5": 20.5, "D5": 30, "E5": 40, "F5": "=SUM(B5:E5)",
        "G5": datetime(2026, 1, 15),
        "A6": "CC-2", "B6": 0.1, "C6": 0.2, "D6": 1, "E6": 2, "F6": "=SUM(B6:E6)",
        "G6": date(2026, 2, 1),
    }  # fmt: skip
    merges = ["A3:A4", "B3:E3", "F3:F4", "G3:G4"]
    saved = {"F5": 100.5, "F6": 3.3000000000000003} if with_values else None
    return write_xlsx(path, cells, merges, saved, sheet="Budget")


def test_excel_merged_header_formulas_and_dates(tmp_path: Path) -> None:
    profile = inspect_file(budget_book(tmp_path / "budget.xlsx"))
    assert profile.columns == ["Centre", "Budget 2026 Q1", "Budget 2026 Q2", "Budget 2026 Q3",
                               "Budget 2026 Q4", "Total", "Approved"]  # fmt: skip
    assert "Header: rows 3-4 (detected)" in profile.notes
    assert profile.rows == [
        ["CC-1", "10", "20.5", "30", "40", "100.5", "2026-01-15"],
        ["CC-2", "0.1", "0.2", "1", "2", "3.3", "2026-02-01"],  # Excel's 15 digits
    ]
    assert profile.rownums == [5, 6] and profile.warnings == []
    assert profile.sheets == ["Budget"]


def test_excel_formulas_without_saved_values_are_reported(tmp_path: Path) -> None:
    profile = inspect_file(budget_book(tmp_path / "b.xlsx", with_values=False))
    assert any("Formula cells without a saved value (e.g. F5, F6)" in w for w in profile.warnings)
    assert profile.rows[0][5] == ""


def test_excel_sheet_choice_and_errors(tmp_path: Path) -> None:
    path = budget_book(tmp_path / "b.xlsx")
    with pytest.raises(DmsError, match="has no sheet 'Nope': its sheets are Budget"):
        inspect_file(path, FileOptions(sheet="Nope"))
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(DmsError, match="not a readable .xlsx"):
        inspect_file(tmp_path / "bad.xlsx")
    (tmp_path / "old.xls").write_bytes(b"x")
    with pytest.raises(ValidationError, match="Excel 97-2003"):
        inspect_file(tmp_path / "old.xls")


# --- JSON ----------------------------------------------------------------------------------------


def test_json_array_nested_objects_are_flattened(tmp_path: Path) -> None:
    records = [
        {"id": 1, "customer": {"name": "Ada", "address": {"city": "Oslo"}}, "tags": ["a", "b"]},
        {"id": 2, "customer": {"name": "Bo"}, "active": True, "score": 1.5},
    ]
    path = write_json(tmp_path / "n.json", records)
    profile = inspect_file(path)
    assert profile.columns == ["id", "customer.name", "customer.address.city", "tags", "active",
                               "score"]  # fmt: skip
    assert profile.rows == [["1", "Ada", "Oslo", '["a", "b"]', "", ""],
                            ["2", "Bo", "", "", "true", "1.5"]]  # fmt: skip
    assert "Layout: JSON array of objects" in profile.notes


def test_json_lines_with_a_bad_line_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_text('{"id": 1}\n\n{"id": 2,}\n[3]\n{"id": 4}\n', encoding="utf-8")
    with open_source(path) as source:
        chunk = next(source.chunks(10))
    assert chunk.rows() == [["1"], ["4"]] and chunk.rownums == [1, 5]
    reasons = {issue.row: issue.reason for issue, _raw in chunk.bad}
    assert reasons[3].startswith("not valid JSON") and reasons[4] == "is a list, not a JSON object"


def test_malformed_json_array_says_where(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"id": 1},\n  {"id": 2 "x": 3}\n]\n', encoding="utf-8")
    with pytest.raises(DmsError, match=r"not valid JSON at line 3, column 12: expecting ','"):
        inspect_file(path)
    path.write_text('[{"id": 1}, {"id": 2}', encoding="utf-8")
    with pytest.raises(DmsError, match="missing '\\]'"):
        rows_of(path)


def test_json_array_streams_in_pieces(tmp_path: Path) -> None:
    records = [{"id": i, "text": "é" * (i % 7)} for i in range(30_000)]
    path = write_json(tmp_path / "big.json", records)
    with open_source(path) as source:
        count = sum(len(c.rownums) for c in source.chunks(5000))
    assert count == 30_000


def test_json_single_object_holding_a_list(tmp_path: Path) -> None:
    path = write_json(tmp_path / "o.json", {"rates": [{"c": "USD"}, {"c": "CHF"}]})
    profile = inspect_file(path)
    assert profile.rows == [["USD"], ["CHF"]]


# --- checks --------------------------------------------------------------------------------------


def check(target: TargetColumn, values: list[str], **rule: str) -> tuple[list[str], dict[int, str]]:
    return ColumnCheck(target, ColumnRule(**rule), required=False).run(values)


def test_number_checks_and_reasons() -> None:
    numeric = TargetColumn("a", "NUMERIC(6,2)", "decimal", 6, 2)
    out, bad = check(numeric, ["1.5", "1234.50", "12345.1", "1.234", "x", "", "1,5"])
    assert out[:2] == ["1.5", "1234.50"] and out[5] == ""
    assert bad[2] == "has 5 digits before the decimal point; NUMERIC(6,2) allows 4"
    assert bad[3] == "has 3 decimals; NUMERIC(6,2) allows 2"
    assert bad[4] == "is not a number in the format 1234.56"
    assert "decimal comma?" in bad[6]
    out, bad = check(numeric, ["1.234,5", "-0,5"], decimal=",", thousands=".")
    assert out == ["1234.5", "-0.5"] and bad == {}
    integer = TargetColumn("i", "INTEGER", "int", 4)
    out, bad = check(integer, ["2147483647", "2147483648", "1.0", "1.5"])
    assert out == ["2147483647", "", "1", ""]
    assert "out of range for INTEGER" in bad[1] and bad[3] == "is not a whole number"


def test_date_boolean_and_text_checks() -> None:
    day = TargetColumn("d", "DATE", "date")
    out, bad = check(day, ["31.12.2026", "2026-12-30", "30.02.2026"], date_format="%d.%m.%Y")
    assert out == ["2026-12-31", "2026-12-30", ""]
    assert bad[2] == "is not a date in the format 31.12.2026 (%d.%m.%Y)"
    moment = TargetColumn("t", "TIMESTAMP", "timestamp")
    out, bad = check(moment, ["2026-01-01T10:00:00", "2026-01-01 24:00:00", "2026-01-01 25:00"])
    assert out[:2] == ["2026-01-01 10:00:00", "2026-01-02 00:00:00"] and 2 in bad
    flag = TargetColumn("f", "BOOLEAN", "boolean")
    out, bad = check(flag, ["Yes", "0", "tru", "maybe", ""])
    assert out == ["true", "false", "true", "", ""] and list(bad) == [3]
    text = TargetColumn("s", "VARCHAR(3)", "string", 3)
    out, bad = check(text, ["abc", "abcd"])
    assert out == ["abc", ""] and bad[1] == "is 4 characters long; VARCHAR(3) allows 3"


def test_statements_compile_for_oracle() -> None:
    columns = (
        ColumnSpec("id", "id", "NUMBER(10)", key=True),
        ColumnSpec("name", "n", "VARCHAR2(20)"),
    )
    ddl = create_table_ddl("people", None, columns, "oracle")
    assert ddl[0].startswith("CREATE TABLE people") and "VARCHAR2(20)" in ddl[0]
    meta = MetaData()
    target = Table("people", meta, *_columns())
    stage = Table("dms_upl_x", meta, *_columns())

    class Capture:
        dialect = oracle.dialect()
        statement = None

        def execute(self, statement):  # type: ignore[no-untyped-def]
            self.statement = statement
            return type("R", (), {"rowcount": 0})()

    capture = Capture()
    _update(capture, stage, target, ["id", "name"], ["id"])  # type: ignore[arg-type]
    sql = str(capture.statement.compile(dialect=oracle.dialect()))
    assert sql.startswith("UPDATE people SET name=(SELECT dms_upl_x.name")


def _columns():  # type: ignore[no-untyped-def]
    from sqlalchemy import Column, Integer, String

    return [Column("id", Integer), Column("name", String(20))]
