"""The Admin module."""
