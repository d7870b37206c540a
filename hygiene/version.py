"""The package's version: one place, read by the packaging (pyproject's hatch version), the
CLI's --version and every report that names the tool."""

__version__ = "0.1.0"
