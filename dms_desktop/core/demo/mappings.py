"""Demo managed SQL over DEMO_ERP and demo mappings into DEMO_DW, validated, tables created.

A staging table of order lines, a type-2 customer dimension, a type-1 product dimension and
a daily sales fact whose customer and product keys are looked up in the dimensions. Only
what is missing is created, so seeding twice changes nothing; the target tables are created
before FACT_SALES is validated because its lookups must exist on the target.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import NotFound
from dms_desktop.core.mapping.ddl import apply_ddl
from dms_desktop.core.mapping.model import Mapping, MappingColumn
from dms_desktop.core.mapping.repository import MappingService
from dms_desktop.core.mapping.validate import validate_mapping
from dms_desktop.core.security.permissions import service_user
from dms_desktop.core.sqlstore.service import SqlService
from dms_desktop.core.workspace import Workspace

SEEDER = service_user("dms init --demo")  # every grant, like the service

DEMO_SQL: tuple[tuple[str, str, str], ...] = (
    (
        "SQL_CUSTOMERS",
        "Customers with their region",
        """SELECT c.customer_code, c.first_name, c.last_name, c.email, c.city,
       r.region_name, r.country, c.segment, c.created_at, c.is_active
FROM customers c
JOIN regions r ON r.region_id = c.region_id""",
    ),
    (
        "SQL_PRODUCTS",
        "Products with their category",
        """SELECT p.sku, p.product_name, pc.category_name, p.unit_price, p.unit_cost,
       p.is_discontinued
FROM products p
JOIN product_categories pc ON pc.category_id = p.category_id""",
    ),
    (
        "SQL_ORDER_LINES",
        "Order lines with customer, product and net amount",
        """SELECT o.order_number, ol.line_no, o.order_date, c.customer_code, p.sku, o.status,
       o.channel, o.currency, ol.quantity, ol.unit_price, ol.discount_pct,
       ol.quantity * ol.unit_price * (1 - ol.discount_pct / 100) AS amount
FROM orders o
JOIN order_lines ol ON ol.order_id = o.order_id
JOIN customers c ON c.customer_id = o.customer_id
JOIN products p ON p.product_id = ol.product_id""",
    ),
)


def _col(name: str, kind: str, logic: str | None = None, **extra: object) -> MappingColumn:
    return MappingColumn(name, kind, logic=logic, **extra)  # type: ignore[arg-type]


def demo_mappings(target: int) -> list[Mapping]:
    """The four demo mappings, dimensions first (the fact looks their keys up)."""
    common = {"target_conid": target, "source_system": "ERP", "freq_code": "DL", "bulk_rows": 10000}
    customer = Mapping(
        ref="DIM_CUSTOMER",
        table_name="DIM_CUSTOMER",
        table_type="DIMENSION",
        sql_code="SQL_CUSTOMERS",
        description="Customers: history of address and segment (SCD2), name and e-mail in place",
        on_source_delete="CLOSE",
        columns=[
            _col("CUSTOMER_CODE", "VARCHAR(10)", "customer_code", key=True, key_seq=1),
            _col("CUSTOMER_NAME", "VARCHAR(100)", "first_name || ' ' || last_name", scd_type="1"),
            _col("EMAIL", "VARCHAR(200)", "LOWER(email)", scd_type="1"),
            _col("CITY", "VARCHAR(100)", None, scd_type="2"),
            _col("REGION", "VARCHAR(100)", "region_name", scd_type="2"),
            _col("COUNTRY", "VARCHAR(60)", None, scd_type="2"),
            _col("SEGMENT", "VARCHAR(30)", None, scd_type="2"),
            _col(
                "ACTIVE_FLAG",
                "CHAR(1)",
                "CASE WHEN is_active = 1 THEN 'Y' ELSE 'N' END",
                scd_type="1",
            ),
        ],
        **common,  # type: ignore[arg-type]
    )
    product = Mapping(
        ref="DIM_PRODUCT",
        table_name="DIM_PRODUCT",
        table_type="DIMENSION",
        sql_code="SQL_PRODUCTS",
        description="Products and categories, overwritten in place (SCD1)",
        columns=[
            _col("SKU", "VARCHAR(12)", "sku", key=True, key_seq=1),
            _col("PRODUCT_NAME", "VARCHAR(100)", None, scd_type="1"),
            _col("CATEGORY", "VARCHAR(50)", "category_name", scd_type="1"),
            _col("UNIT_PRICE", "NUMERIC(12,2)", None, scd_type="1"),
            _col("UNIT_COST", "NUMERIC(12,2)", None, scd_type="1"),
            _col(
                "DISCONTINUED",
                "CHAR(1)",
                "CASE WHEN is_discontinued = 1 THEN 'Y' ELSE 'N' END",
                scd_type="1",
            ),
        ],
        **common,  # type: ignore[arg-type]
    )
    staging = Mapping(
        ref="STG_ORDER_LINES",
        table_name="STG_ORDER_LINES",
        table_type="STAGING",
        sql_code="SQL_ORDER_LINES",
        description="Order lines as the ERP has them, replaced on every load",
        columns=[
            _col("ORDER_NUMBER", "VARCHAR(20)", None, key=True, key_seq=1),
            _col("LINE_NO", "INTEGER", None, key=True, key_seq=2),
            _col("ORDER_DATE", "DATE", "DATE(order_date)"),
            _col("CUSTOMER_CODE", "VARCHAR(10)"),
            _col("SKU", "VARCHAR(12)"),
            _col("STATUS", "VARCHAR(12)"),
            _col("CHANNEL", "VARCHAR(12)"),
            _col("CURRENCY", "CHAR(3)"),
            _col("QUANTITY", "INTEGER"),
            _col("UNIT_PRICE", "NUMERIC(12,2)"),
            _col("DISCOUNT_PCT", "NUMERIC(5,2)"),
            _col("AMOUNT", "NUMERIC(14,2)", "ROUND(amount, 2)"),
        ],
        **common,  # type: ignore[arg-type]
    )
    fact = Mapping(
        ref="FACT_SALES",
        table_name="FACT_SALES",
        table_type="FACT",
        sql_code="SQL_ORDER_LINES",
        description="Daily sales by customer and product; keys looked up in the dimensions",
        error_threshold=0,
        columns=[
            _col("ORDER_DATE", "DATE", "DATE(order_date)", key=True, key_seq=1),
            _col(
                "CUSTOMER_SK",
                "BIGINT",
                "customer_code",
                key=True,
                key_seq=2,
                lookup_table="DIM_CUSTOMER",
                key_column="CUSTOMER_CODE",
                value_column="SKEY",
            ),
            _col(
                "PRODUCT_SK",
                "BIGINT",
                "sku",
                key=True,
                key_seq=3,
                lookup_table="DIM_PRODUCT",
                key_column="SKU",
                value_column="SKEY",
            ),
            _col("QUANTITY", "INTEGER", "quantity", combine="SUM"),
            _col("AMOUNT", "NUMERIC(16,2)", "amount", combine="SUM"),
            _col("LINE_COUNT", "INTEGER", "line_no", combine="COUNT"),
        ],
        **common,  # type: ignore[arg-type]
    )
    for mapping in (customer, product, staging, fact):
        for seq, column in enumerate(mapping.columns, start=1):
            column.exec_seq = seq
    return [customer, product, staging, fact]


def seed_demo_mappings(ws: Workspace, erp_name: str, dw_name: str) -> None:
    """Managed SQL, mappings and target tables of the demo; only what is missing."""
    connections = ConnectionService(ws, SEEDER)
    erp, dw = connections.get(erp_name), connections.get(dw_name)
    assert erp.conid is not None and dw.conid is not None
    if dw.dbtype == "SQLITE" and dw.database and not Path(dw.database).exists():
        sqlite3.connect(dw.database).close()  # the connection opens files read-write only
    sql = SqlService(ws, SEEDER)
    for code, description, text in DEMO_SQL:
        try:
            managed = sql.get(code)
        except NotFound:
            managed = sql.save(code, text, erp.conid, description)
        if not managed.verified:
            sql.validate(code)
    service = MappingService(ws, SEEDER)
    for wanted in demo_mappings(dw.conid):
        try:
            mapping = service.get(wanted.ref)
        except NotFound:
            mapping = service.save(wanted)
        apply_ddl(ws, SEEDER, mapping)  # creates the table once; later an empty ALTER plan
        if not mapping.validated:
            validate_mapping(ws, SEEDER, mapping)
