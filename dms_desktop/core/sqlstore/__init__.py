"""Managed source queries (DMS_MAPRSQL) and the SQL workbench's Qt-free core.

``validate``  parse/check/split/format with sqlglot     ``describe``  result columns, no rows
``service``   SqlService: versions, validation, diff   ``runner``    QueryRun, explain, sort
``export``    streamed CSV/XLSX export                 ``history``   editor history (DMS_SQLHIST)
"""
