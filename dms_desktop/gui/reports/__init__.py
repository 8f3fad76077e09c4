"""The Reports module."""
