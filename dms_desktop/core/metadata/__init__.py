"""The metadata database: tables, engine factory, migrations."""
