"""Reports: definitions (DMS_RPT and built-ins), parameters, preview runs, CSV/XLSX/PDF export.

The public API the GUI, the CLI and the scheduler call; everything here is Qt-free.
"""

from __future__ import annotations

from dms_desktop.core.reports.formats import OutputColumn
from dms_desktop.core.reports.model import (
    ReportColumn,
    ReportDef,
    ReportParam,
    ReportTemplate,
    check_definition,
)
from dms_desktop.core.reports.params import ParameterError, resolve_params
from dms_desktop.core.reports.run import (
    ReportRun,
    export_report,
    render_scheduled,
    run_report,
    scheduled_path,
)
from dms_desktop.core.reports.service import ReportService

__all__ = [
    "OutputColumn",
    "ParameterError",
    "ReportColumn",
    "ReportDef",
    "ReportParam",
    "ReportRun",
    "ReportService",
    "ReportTemplate",
    "check_definition",
    "export_report",
    "render_scheduled",
    "resolve_params",
    "run_report",
    "scheduled_path",
]
