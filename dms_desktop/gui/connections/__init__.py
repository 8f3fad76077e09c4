"""The Connections module."""
