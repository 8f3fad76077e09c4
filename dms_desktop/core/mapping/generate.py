""" "Generate columns from source SQL": one target column per described source column.

Names become plain target identifiers (``quantity*unit_price`` -> ``QUANTITY_UNIT_PRICE``,
a reserved word gets a ``_COL`` suffix), types are mapped onto the target dialect, and the
logic names the source column exactly (quoted when its name is not a plain identifier).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlglot import exp

from dms_desktop.core.mapping.model import AUDIT_COLUMNS, MappingColumn
from dms_desktop.core.mapping.names import MAX_LENGTH, PLAIN, identifier_problem
from dms_desktop.core.mapping.types import suggest_type
from dms_desktop.core.sqlstore.describe import ResultColumn
from dms_desktop.core.sqlstore.validate import sqlglot_dialect


def target_name(source: str, dialect: str, taken: set[str]) -> str:
    """A plain, unique, non-reserved target name for a source column name."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", source).strip("_").upper() or "COLUMN"
    if not name[0].isalpha():
        name = f"C_{name}"
    limit = MAX_LENGTH.get(sqlglot_dialect(dialect), 30)
    if name in AUDIT_COLUMNS or identifier_problem(name[:limit], dialect) is not None:
        name = f"{name}_COL"
    name = name[:limit]
    base, n = name, 2
    while name in taken:
        suffix = f"_{n}"
        name, n = f"{base[: limit - len(suffix)]}{suffix}", n + 1
    taken.add(name)
    return name


def generate_columns(
    source: Sequence[ResultColumn],
    target_dialect: str,
    source_dialect: str,
    *,
    table_type: str = "STAGING",
) -> list[MappingColumn]:
    """Target columns for every described source column (dimensions get SCD type 1)."""
    taken: set[str] = set()
    columns: list[MappingColumn] = []
    for seq, col in enumerate(source, start=1):
        name = target_name(col.name, target_dialect, taken)
        plain = bool(PLAIN.match(col.name)) and name.upper() == col.name.upper()
        logic = (
            col.name
            if plain
            else exp.column(col.name, quoted=True).sql(sqlglot_dialect(source_dialect))
        )
        columns.append(
            MappingColumn(
                name=name,
                data_type=suggest_type(col.type, target_dialect),
                logic=logic,
                exec_seq=seq,
                scd_type="1" if table_type == "DIMENSION" else None,
            )
        )
    return columns
