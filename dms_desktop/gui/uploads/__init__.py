"""The Uploads module."""
