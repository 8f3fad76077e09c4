"""File uploads (DMS_FLUPLD*): CSV, Excel and JSON files validated and loaded into tables.

The public API the GUI wizard, the CLI and the scheduler call; everything here is Qt-free:

* ``inspect_file``: detect the layout, preview rows, infer column types;
* ``auto_map`` / ``propose_columns``: a mapping onto an existing table or a new one;
* ``run_upload``: validate (``validate_only``) or load a file as a definition says;
* ``run_upload_definition``: rerun a saved definition on the newest matching file;
* ``UploadService``: saved definitions with their version history.
"""

from __future__ import annotations

from dms_desktop.core.uploads.infer import (
    ColumnGuess,
    FileProfile,
    auto_map,
    inspect_file,
    propose_columns,
)
from dms_desktop.core.uploads.model import (
    FILE_KINDS,
    MODES,
    ColumnRule,
    ColumnSpec,
    FileOptions,
    Issue,
    TargetColumn,
    UploadDef,
    UploadResult,
)
from dms_desktop.core.uploads.readers import EmptyFile, open_source
from dms_desktop.core.uploads.rerun import newest_file, run_upload_definition
from dms_desktop.core.uploads.run import run_upload, upload_target
from dms_desktop.core.uploads.service import UploadService, check_definition
from dms_desktop.core.uploads.target import create_table_ddl, describe_table, plain_name

__all__ = [
    "FILE_KINDS",
    "MODES",
    "ColumnGuess",
    "ColumnRule",
    "ColumnSpec",
    "EmptyFile",
    "FileOptions",
    "FileProfile",
    "Issue",
    "TargetColumn",
    "UploadDef",
    "UploadResult",
    "UploadService",
    "auto_map",
    "check_definition",
    "create_table_ddl",
    "describe_table",
    "inspect_file",
    "newest_file",
    "open_source",
    "plain_name",
    "propose_columns",
    "run_upload",
    "run_upload_definition",
    "upload_target",
]
