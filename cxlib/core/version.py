"""The package version (one place: pyproject reads it, the memo prints it)."""
__version__ = "0.1.0"
