"""Mapping specs: JSON and YAML (the seed's save-to-db body, extended) and Excel workbooks.

``import_file(ws, actor, path, replace=False)`` imports a file all or nothing;
``export_mappings(ws, actor, refs, out, fmt=None)`` writes one; ``mapping_to_dict`` /
``parse_document`` convert between a ``Mapping`` and its document.
"""

from __future__ import annotations

from dms_desktop.core.mapping.spec.document import (
    SpecError,
    SpecProblem,
    dump_json,
    dump_yaml,
    mapping_to_dict,
    parse_document,
)
from dms_desktop.core.mapping.spec.store import (
    export_documents,
    export_mappings,
    import_file,
    parse_file,
    spec_format,
)

__all__ = [
    "SpecError",
    "SpecProblem",
    "dump_json",
    "dump_yaml",
    "export_documents",
    "export_mappings",
    "import_file",
    "mapping_to_dict",
    "parse_document",
    "parse_file",
    "spec_format",
]
