"""Where a cleaned file's opt-outs are when the file itself cannot carry them.

HubSpot's opt-out properties are read-only to an import: `hygiene clean` leaves them out of
cleaned_<source>.csv (clean_summary.json `left_out_columns`) and the opt-outs travel on the
target's suppression file alone. Both `hygiene clean` and a later audit of the cleaned file
say so, naming the file to import, since a re-audit sees only non-marketing contacts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..words import counted

#: The summary `hygiene clean` writes beside its files.
SUMMARY_FILE = "clean_summary.json"
_PREFIX = "cleaned_"


def opt_out_notes(summary: Mapping[str, Any], sources: Iterable[str] | None = None) -> list[str]:
    """One line per cleaned source whose target keeps opt-outs out of the file: which
    columns were left out, the suppression file holding the opt-outs, and how to import it.
    `sources`: only these source names (all when None)."""
    left = summary.get("left_out_columns") or {}
    targets = summary.get("targets") or {}
    files = summary.get("suppression_files") or {}
    lines = []
    for name, cols in left.items():
        if sources is not None and name not in sources:
            continue
        target = targets.get(name)
        sup = files.get(target) if target else None
        if not sup:
            continue
        lines.append(
            f"{name}: its opt-outs are not in {_PREFIX}{name}.csv ({', '.join(cols)} "
            f"{'is' if len(cols) == 1 else 'are'} read-only in {target}, left out): "
            f"{counted(int(sup.get('rows', 0)), 'address', 'addresses')} on {sup['file']}; "
            f"import it too ({sup.get('how', '').rstrip('.')})"
        )
    return lines


def cleaned_file_notes(paths: Iterable[Path]) -> list[str]:
    """The opt-out notes for inputs that are cleaned files `hygiene clean` wrote (named
    cleaned_<source>.csv, with its clean_summary.json beside them); none for other files,
    or when the summary cannot be read."""
    by_folder: dict[Path, set[str]] = {}
    for p in paths:
        path = Path(p)
        if path.name.startswith(_PREFIX) and path.suffix.lower() == ".csv":
            by_folder.setdefault(path.parent, set()).add(path.stem[len(_PREFIX):])
    lines: list[str] = []
    for folder, names in by_folder.items():
        try:
            summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(summary, dict) and summary.get("schema") == "hygiene.clean/1":
            lines.extend(opt_out_notes(summary, names))
    return lines
