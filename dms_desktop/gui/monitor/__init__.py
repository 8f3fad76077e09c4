"""The Monitor module."""
