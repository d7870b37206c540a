"""The files an audit writes by default: the report formats `Audit.save` writes and their
file names (docs/contract.md), where the history is kept, and the review decisions' file.

A leaf: hygiene.toml's `[audit] formats` is checked against it below the audit, and the
reports, the history and the CLI read it above."""

from __future__ import annotations

from pathlib import Path

FORMATS = {"html": "report.html", "json": "audit.json", "xlsx": "review.xlsx", "md": "summary.md"}
DEFAULT_FORMATS = ("html", "json", "xlsx")

#: The history's folder and file, under the folder of hygiene.toml (or the working one).
HISTORY_DIR = ".hygiene"
HISTORY_FILE = "history.db"
#: The review decisions' file, beside hygiene.toml (or in the working folder): the one
#: name `hygiene.settings` finds it by and `hygiene.decisions` writes.
DECISIONS_FILE = "hygiene-decisions.json"
#: Past this many bytes read per record, `Audit.save` writes the formats one at a time.
FAT_RECORD_BYTES = 1024


def default_history_path(base: Path | None = None) -> Path:
    """`.hygiene/history.db` beside `base` (a config file, or a folder), else in the cwd."""
    if base is None:
        folder = Path.cwd()
    else:
        folder = base if base.is_dir() else base.parent
    return folder / HISTORY_DIR / HISTORY_FILE
