"""The demo workspace ships valid mappings, their managed SQL, their target tables, chained
daily jobs that have run twice (two ERP snapshots: SCD2 history) and a month of run history."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, inspect, select, text

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.demo.jobs import GENERATED, HISTORY_DAYS
from dms_desktop.core.demo.mappings import SEEDER
from dms_desktop.core.demo.seed import DEMO_DW_CONNECTION, create_demo_workspace
from dms_desktop.core.jobs.service import JobService
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.mapping.validate import validate_mapping
from dms_desktop.core.metadata.tables import dms_mapr, dms_maprsql, dms_prclog
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
        jobs = {j.name: j for j in JobService(ws, SEEDER).list_jobs()}
        assert jobs["DEMO_STAGE"].schedule.frequency == "DL"
        assert jobs["DEMO_STAGE"].next_run is not None
        assert jobs["DEMO_DIMENSIONS"].parent == "DEMO_STAGE"
        assert jobs["DEMO_DIMENSIONS"].mappings == ("DIM_CUSTOMER", "DIM_PRODUCT")
        assert jobs["DEMO_FACT"].parent == "DEMO_DIMENSIONS"
        with ws.engine.connect() as conn:
            real = conn.execute(
                select(
                    dms_prclog.c.mapref,
                    dms_prclog.c.status,
                    dms_prclog.c.insrows,
                    dms_prclog.c.strtdt,
                )
                .where(dms_prclog.c.worker != "demo-history")
                .order_by(dms_prclog.c.prclogid)
            ).all()
            generated = conn.execute(
                select(dms_prclog.c.status, func.count(), func.min(dms_prclog.c.strtdt))
                .where(dms_prclog.c.message.startswith(GENERATED))
                .group_by(dms_prclog.c.status)
            ).all()
            before = [
                conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (dms_mapr, dms_maprsql, dms_prclog)
            ]
        # 30 nights x 4 mappings, less the 3 mappings after the failed staging night, plus the
        # manual rerun of the failed fact
        # the chain ran twice, in dependency order, each step successfully
        order = ["STG_ORDER_LINES", "DIM_CUSTOMER", "DIM_PRODUCT", "FACT_SALES"]
        assert [(r.mapref, r.status) for r in real] == [(m, "SUCCESS") for m in order * 2]
        assert real[1].insrows == 3000  # every customer on the first run
        assert dict((s, n) for s, n, _ in generated) == {"FAILED": 2, "SUCCESS": 116}
        earliest = min(first for _, _, first in generated)
        # the month before the last nightly firing (today's, or yesterday's before 02:00)
        assert (real[0].strtdt.date() - earliest.date()).days in (HISTORY_DAYS, HISTORY_DAYS + 1)
        with dw.connect() as conn:  # the second snapshot moved customers: SCD2 history
            closed, current, keys = conn.execute(
                text(
                    "SELECT SUM(CASE WHEN curflg = 'N' THEN 1 ELSE 0 END), "
                    "SUM(CASE WHEN curflg = 'Y' THEN 1 ELSE 0 END), "
                    "COUNT(DISTINCT customer_code) FROM dim_customer"
                )
            ).one()
        assert current == keys == 3200
        assert 150 <= closed <= 210
    finally:
        ws.close()
    started = time.perf_counter()
    again = create_demo_workspace(settings)
    elapsed = time.perf_counter() - started
    try:
        with again.engine.connect() as conn:
            after = [
                conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (dms_mapr, dms_maprsql, dms_prclog)
            ]
        assert after == before  # no new mapping, SQL or run
    finally:
        again.close()
    assert elapsed < 3
