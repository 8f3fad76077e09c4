"""DMS Desktop: define, run, schedule and monitor the loads of a data warehouse."""

__version__ = "0.1.0"
APP_NAME = "DMS Desktop"
