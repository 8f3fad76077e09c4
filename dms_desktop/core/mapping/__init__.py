"""Mappings (DMS_MAPR / DMS_MAPRDTL): model, repository, validation, DDL, spec import/export."""
