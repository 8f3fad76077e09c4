"""The Calendar module."""
