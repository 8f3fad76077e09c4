"""Database connections (DMS_DBCONDTLS): definitions, secrets, engines, tests."""
