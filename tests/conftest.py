"""pytest configuration: see tests/helpers.py for the shared helpers."""
