"""The files an audit writes by default: the report formats `Audit.save` writes and their
file names (CONTRACT.md), and where the history is kept.

A leaf: hygiene.toml's `[audit] formats` is checked against it below the audit, and the
reports, the history and the CLI read it above."""

from __future__ import annotations

FORMATS = {"html": "report.html", "json": "audit.json", "xlsx": "review.xlsx", "md": "summary.md"}
DEFAULT_FORMATS = ("html", "json", "xlsx")

#: The history's folder and file, under the folder of hygiene.toml (or the working one).
HISTORY_DIR = ".hygiene"
HISTORY_FILE = "history.db"
