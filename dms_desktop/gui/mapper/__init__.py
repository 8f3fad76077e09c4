"""The Mapper module."""
