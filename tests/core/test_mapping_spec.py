"""Mapping specs: JSON/YAML/XLSX import and export, lossless round trips, all-or-nothing import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import func, select

from dms_desktop.core.errors import ValidationError
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.mapping.spec import (
    SpecError,
    export_mappings,
    import_file,
    mapping_to_dict,
)
from dms_desktop.core.metadata.tables import dms_mapr
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace
from tests.core.mapping_support import MapperEnv, mapper_env

SQLITE_METADATA = pytest.mark.parametrize("backend", ["sqlite"])


def _docs(env: MapperEnv, *refs: str) -> list[dict[str, Any]]:
    return [mapping_to_dict(env.mapping(ref), "DW") for ref in refs]


def _mapr_rows(ws: Workspace) -> int:
    with ws.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(dms_mapr)).scalar_one())


def test_json_to_db_to_xlsx_to_db_to_json_is_lossless(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    env = mapper_env(workspace, admin, tmp_path / "env", validate_sql=False)
    original = _docs(env, "DIM_CUSTOMER", "FACT_SALES")
    original[0]["description"] = "Line one\nline two: quotes ' \" and =1+1"
    original[0]["rows"][1]["logic"] = "=first_name"  # would be a formula if written naively
    source = tmp_path / "specs.json"
    source.write_text(json.dumps(original), encoding="utf-8")
    imported = import_file(workspace, admin, source)
    assert [(m.ref, m.version, len(m.columns)) for m in imported] == [
        ("DIM_CUSTOMER", 1, 8),
        ("FACT_SALES", 1, 6),
    ]
    book = export_mappings(workspace, admin, ["DIM_CUSTOMER", "FACT_SALES"], tmp_path / "x.xlsx")
    again = import_file(workspace, admin, book, replace=True)
    assert [m.version for m in again] == [1, 1]  # identical content: no new version
    back = tmp_path / "back.json"
    export_mappings(workspace, admin, ["DIM_CUSTOMER", "FACT_SALES"], back)
    assert json.loads(back.read_text(encoding="utf-8")) == original
    # A data engineer edits the workbook in Excel: the edit becomes version 2.
    wb = load_workbook(book)
    sheet = wb["DIM_CUSTOMER"]
    row = next(r for r in range(1, 40) if sheet.cell(r, 1).value == "CITY")
    sheet.cell(row, 2).value = "VARCHAR(150)"
    wb.save(book)
    edited = import_file(workspace, admin, book, replace=True)
    assert [m.version for m in edited] == [2, 1]
    assert edited[0].columns[3].data_type == "VARCHAR(150)"


@SQLITE_METADATA
def test_yaml_is_stable_and_round_trips(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    env = mapper_env(workspace, admin, tmp_path / "env", validate_sql=False)
    doc = _docs(env, "FACT_SALES")[0]
    doc["rows"][0]["logic"] = (
        "CASE\n  WHEN order_date IS NULL THEN NULL\n  ELSE DATE(order_date)\nEND"
    )
    source = tmp_path / "fact.yaml"
    source.write_text(yaml.safe_dump(doc), encoding="utf-8")
    import_file(workspace, admin, source)
    out = export_mappings(workspace, admin, ["FACT_SALES"], tmp_path / "out.yml")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("reference: FACT_SALES\ndescription:")
    assert "  logic: |-\n    CASE\n      WHEN" in text  # multi-line logic as a literal block
    assert yaml.safe_load(text) == doc
    assert import_file(workspace, admin, out, replace=True)[0].version == 1
    with pytest.raises(ValidationError, match="one mapping per file"):
        export_mappings(workspace, admin, ["FACT_SALES", "FACT_SALES"], tmp_path / "two.yaml")


def _workbook(env: MapperEnv, tmp_path: Path, name: str = "spec.xlsx") -> Path:
    path = tmp_path / name
    MappingService(env.ws, env.admin).save(env.mapping("DIM_CUSTOMER"))
    export_mappings(env.ws, env.admin, ["DIM_CUSTOMER"], path)
    MappingService(env.ws, env.admin).delete("DIM_CUSTOMER")
    return path


def _grid_row(sheet: Any, column_name: str) -> int:
    return next(r for r in range(1, 60) if sheet.cell(r, 1).value == column_name)


def _break_missing_sheet(path: Path) -> None:
    wb = load_workbook(path)
    del wb["DIM_CUSTOMER"]
    wb.create_sheet("_notes")
    wb.save(path)


def _break_header(path: Path) -> None:
    wb = load_workbook(path)
    wb["DIM_CUSTOMER"].delete_rows(1, 13)
    wb.save(path)


def _break_merge(path: Path) -> None:
    wb = load_workbook(path)
    sheet = wb["DIM_CUSTOMER"]
    row = _grid_row(sheet, "EMAIL")
    sheet.merge_cells(start_row=row, start_column=5, end_row=row + 1, end_column=5)
    wb.save(path)


def _break_type(path: Path) -> None:
    wb = load_workbook(path)
    sheet = wb["DIM_CUSTOMER"]
    sheet.cell(_grid_row(sheet, "CITY"), 2).value = "VARCHR(100)"
    wb.save(path)


def _break_duplicate(path: Path) -> None:
    wb = load_workbook(path)
    sheet = wb["DIM_CUSTOMER"]
    sheet.cell(_grid_row(sheet, "CITY"), 1).value = "email"
    wb.save(path)


def _break_formula(path: Path) -> None:
    wb = load_workbook(path)
    sheet = wb["DIM_CUSTOMER"]
    sheet.cell(_grid_row(sheet, "CITY"), 5).value = "=A1&B1"
    wb.save(path)


@SQLITE_METADATA
@pytest.mark.parametrize(
    ("breakage", "place", "words"),
    [
        (_break_missing_sheet, "the workbook", "no mapping sheet"),
        (_break_header, "sheet 'DIM_CUSTOMER'", "no header block"),
        (_break_merge, "sheet 'DIM_CUSTOMER', cells E", "merged cells"),
        (_break_type, "sheet 'DIM_CUSTOMER', row 18, Data type", "VARCHR is not a data type"),
        (_break_duplicate, "sheet 'DIM_CUSTOMER', row 18, Column name", "repeats rows[2]"),
        (_break_formula, "sheet 'DIM_CUSTOMER', row 18, Logic", "formula"),
    ],
    ids=["missing sheet", "no header block", "merged cells", "wrong type", "duplicate", "formula"],
)
def test_bad_workbooks_name_the_place_and_import_nothing(
    workspace: Workspace,
    admin: CurrentUser,
    tmp_path: Path,
    breakage: Any,
    place: str,
    words: str,
) -> None:
    env = mapper_env(workspace, admin, tmp_path / "env", validate_sql=False)
    path = _workbook(env, tmp_path)
    breakage(path)
    before = _mapr_rows(workspace)
    with pytest.raises(SpecError) as caught:
        import_file(workspace, admin, path)
    assert any(p.place.startswith(place) and words in p.message for p in caught.value.problems), (
        caught.value.message
    )
    assert "nothing imported" in caught.value.message.splitlines()[0]
    assert _mapr_rows(workspace) == before


@SQLITE_METADATA
def test_bad_json_and_existing_references_import_nothing(
    workspace: Workspace, admin: CurrentUser, tmp_path: Path
) -> None:
    env = mapper_env(workspace, admin, tmp_path / "env", validate_sql=False)
    dim, fact = _docs(env, "DIM_CUSTOMER", "FACT_SALES")
    broken = json.loads(json.dumps(fact))
    del broken["tableType"], broken["rows"][1]["dataType"]
    broken["rows"][2]["datatype"] = "INTEGER"
    broken["targetConnection"] = "NOWHERE"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([dim, broken]), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        import_file(workspace, admin, path)
    found = {(p.place, p.message) for p in caught.value.problems}
    assert {
        ("[1].tableType", "missing (required)"),
        ("[1].rows[1].dataType", "missing (required)"),
        ("[1].rows[2].datatype", "unknown field (did you mean dataType?)"),
        ("[1].targetConnection", "no connection named 'NOWHERE'"),
    } <= found
    assert _mapr_rows(workspace) == 0  # the valid first mapping was not imported either

    MappingService(workspace, admin).save(env.mapping("FACT_SALES"))
    before = _mapr_rows(workspace)
    path.write_text(json.dumps({"mappings": [dim, fact]}), encoding="utf-8")
    with pytest.raises(SpecError, match=r"\[1\]\.reference: mapping FACT_SALES already exists"):
        import_file(workspace, admin, path)
    assert _mapr_rows(workspace) == before  # DIM_CUSTOMER, first in the file, not imported
    fact["description"] = "replaced"
    path.write_text(json.dumps([dim, fact]), encoding="utf-8")
    saved = import_file(workspace, admin, path, replace=True)
    assert [(m.ref, m.version) for m in saved] == [("DIM_CUSTOMER", 1), ("FACT_SALES", 2)]
    assert MappingService(workspace, admin).get("FACT_SALES").description == "replaced"
    for text, words in (("{not json", "line 1, column 2"), ("[]", "expected a mapping")):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SpecError, match=words):
            import_file(workspace, admin, path)
    with pytest.raises(ValidationError, match="unknown spec format"):
        import_file(workspace, admin, tmp_path / "spec.csv")
    yaml_path = tmp_path / "bad.yaml"
    yaml_path.write_text("reference: [DIM_CUSTOMER\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        import_file(workspace, admin, yaml_path)
    [problem] = caught.value.problems
    assert problem.place == "line 2, column 1"
    assert problem.message == (
        "not valid YAML: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence started at line 1, column 12)"
    )  # one line in words, not PyYAML's quoted text with carets


def test_exported_workbook_offers_drop_downs(tmp_path: Path) -> None:
    from dms_desktop.core.mapping.spec.xlsx import write_workbook

    doc = {
        "reference": "M1",
        "tableName": "T",
        "tableType": "FACT",
        "rows": [{"fieldName": "A", "dataType": "NUMBER(10)", "primaryKey": True}],
    }
    path = tmp_path / "m.xlsx"
    write_workbook([(doc, "oracle")], path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["M1", "_lists"] and wb["_lists"].sheet_state == "hidden"
    lists = {str(dv.sqref).split(":")[0]: dv for dv in wb["M1"].data_validations.dataValidation}
    assert lists["B15"].errorStyle == "warning"  # data types: suggestions
    assert lists["C15"].errorStyle == "stop"  # key Y/N
    types = [c.value for c in wb["_lists"]["D"][1:] if c.value]
    assert "VARCHAR2(100)" in types and "NUMBER(18,2)" in types
