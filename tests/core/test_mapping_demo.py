"""The demo workspace ships valid mappings, their managed SQL and their target tables."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, inspect, select

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.demo.mappings import SEEDER
from dms_desktop.core.demo.seed import DEMO_DW_CONNECTION, create_demo_workspace
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.mapping.validate import validate_mapping
from dms_desktop.core.metadata.tables import dms_mapr, dms_maprsql
from dms_desktop.core.settings import load_settings
from dms_desktop.core.sqlstore.service import SqlService


def test_demo_mappings_validate_and_seeding_twice_changes_nothing(dms_home: Path) -> None:
    settings = load_settings({"DMS_HOME": str(dms_home)})
    ws = create_demo_workspace(settings)
    try:
        service = MappingService(ws, SEEDER)
        listed = {m.ref: (m.table_type, m.validated) for m in service.list_mappings()}
        assert listed == {
            "DIM_CUSTOMER": ("DIMENSION", True),
            "DIM_PRODUCT": ("DIMENSION", True),
            "FACT_SALES": ("FACT", True),
            "STG_ORDER_LINES": ("STAGING", True),
        }
        for ref in listed:
            assert validate_mapping(ws, SEEDER, service.get(ref), record=False) == []
        assert {s.code for s in SqlService(ws, SEEDER).list()} >= {
            "SQL_CUSTOMERS",
            "SQL_PRODUCTS",
            "SQL_ORDER_LINES",
        }
        customer = service.get("DIM_CUSTOMER")
        scd = {c.name: c.scd_type for c in customer.columns}
        assert (scd["CITY"], scd["SEGMENT"], scd["EMAIL"], scd["CUSTOMER_NAME"]) == (
            "2",
            "2",
            "1",
            "1",
        )
        dw = ConnectionService(ws, SEEDER).engine(DEMO_DW_CONNECTION)
        assert set(inspect(dw).get_table_names()) >= {
            "dim_customer",
            "dim_product",
            "fact_sales",
            "stg_order_lines",
        }
        with ws.engine.connect() as conn:
            before = [
                conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (dms_mapr, dms_maprsql)
            ]
    finally:
        ws.close()
    started = time.perf_counter()
    again = create_demo_workspace(settings)
    elapsed = time.perf_counter() - started
    try:
        with again.engine.connect() as conn:
            after = [
                conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (dms_mapr, dms_maprsql)
            ]
        assert after == before
    finally:
        again.close()
    assert elapsed < 3
