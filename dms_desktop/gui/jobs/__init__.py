"""The Jobs module."""
