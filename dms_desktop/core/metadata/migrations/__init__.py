"""Alembic migrations of the metadata database (run programmatically, see migrate.py)."""
