"""The Dashboard module."""
