"""The files an audit writes by default: the report formats `Audit.save` writes and their
file names (CONTRACT.md), and where the history is kept.

A leaf: hygiene.toml's `[audit] formats` is checked against it below the audit, and the
reports, the history and the CLI read it above."""

from __future__ import annotations

from pathlib import Path

FORMATS = {"html": "report.html", "json": "audit.json", "xlsx": "review.xlsx", "md": "summary.md"}
DEFAULT_FORMATS = ("html", "json", "xlsx")

#: The history's folder and file, under the folder of hygiene.toml (or the working one).
HISTORY_DIR = ".hygiene"
HISTORY_FILE = "history.db"
#: Past this many bytes read per record, `Audit.save` writes the formats one at a time.
FAT_RECORD_BYTES = 1024


def default_history_path(base: Path | None = None) -> Path:
    """`.hygiene/history.db` beside `base` (a config file, or a folder), else in the cwd."""
    if base is None:
        folder = Path.cwd()
    else:
        folder = base if base.is_dir() else base.parent
    return folder / HISTORY_DIR / HISTORY_FILE
