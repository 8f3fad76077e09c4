"""The demo report: sales by month and customer segment, over the demo warehouse.

It reads what the demo mappings load: FACT_SALES joined to the DIM_CUSTOMER version each
sale was booked against (its surrogate key), so a customer who changed segment counts in the
segment of the day. The demo seed calls ``demo_reports``; running it twice changes nothing.
"""

from __future__ import annotations

from dms_desktop.core.connections.service import ConnectionService
from dms_desktop.core.errors import NotFound
from dms_desktop.core.reports.model import ReportColumn, ReportDef, ReportParam, ReportTemplate
from dms_desktop.core.reports.service import ReportService
from dms_desktop.core.security.permissions import CurrentUser
from dms_desktop.core.workspace import Workspace

DEMO_REPORT = "SALES_BY_MONTH_SEGMENT"
SEGMENTS = ("ALL", "Consumer", "Small Business", "Corporate")

SALES_SQL = """SELECT strftime('%Y-%m', f.order_date) AS month,
       COALESCE(c.segment, 'Unknown') AS segment,
       COUNT(DISTINCT f.customer_sk) AS customers,
       SUM(f.line_count) AS order_lines,
       SUM(f.quantity) AS quantity,
       SUM(f.amount) AS amount,
       SUM(f.amount) / SUM(SUM(f.amount)) OVER (PARTITION BY strftime('%Y-%m', f.order_date))
           AS share_of_month
FROM fact_sales f
LEFT JOIN dim_customer c ON c.skey = f.customer_sk
WHERE f.order_date >= :date_from AND f.order_date <= :date_to
  AND (:segment = 'ALL' OR c.segment = :segment)
GROUP BY strftime('%Y-%m', f.order_date), COALESCE(c.segment, 'Unknown')
ORDER BY month, segment"""


def demo_report_definition(dw_conid: int) -> ReportDef:
    return ReportDef(
        name=DEMO_REPORT,
        description="Sales by month and customer segment, from the demo warehouse.",
        conid=dw_conid,
        sql=SALES_SQL,
        params=(
            ReportParam("date_from", "date", "From", "2025-01-01", required=True),
            ReportParam("date_to", "date", "To", "today", required=True),
            ReportParam("segment", "choice", "Segment", "ALL", True, SEGMENTS),
        ),
        columns=(
            ReportColumn("month", "Month", "text", width=9),
            ReportColumn("segment", "Segment", "text", width=16),
            ReportColumn("customers", "Customers", "integer"),
            ReportColumn("order_lines", "Order lines", "integer"),
            ReportColumn("quantity", "Units", "integer"),
            ReportColumn("amount", "Net sales", "number", decimals=2, width=14),
            ReportColumn("share_of_month", "Share of month", "percent", decimals=1),
        ),
        template=ReportTemplate(
            title="Sales by month and segment",
            subtitle="{date_from} to {date_to} · segment: {segment}",
            header="DMS Desktop demo warehouse",
            footer="Generated {generated}",
            orientation="portrait",
        ),
        output_folder=None,
        file_pattern="{report}_{date}.pdf",
        output_format="pdf",
    )


def demo_reports(ws: Workspace, admin: CurrentUser, dw_connection: str = "DEMO_DW") -> None:
    """Save the demo report definition unless it exists (the lead's demo seed calls this)."""
    service = ReportService(ws, admin)
    try:
        service.get(DEMO_REPORT)
        return
    except NotFound:
        pass
    dw = ConnectionService(ws, admin).get(dw_connection)
    assert dw.conid is not None
    service.save(demo_report_definition(dw.conid))
