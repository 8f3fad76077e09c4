"""The SQL module."""
