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

from ..errors import ConfigError
from ..words import counted
from .targets import Target, load_target

#: The summary `hygiene clean` writes beside its files.
SUMMARY_FILE = "clean_summary.json"
_PREFIX = "cleaned_"


def opt_out_notes(summary: Mapping[str, Any], sources: Iterable[str] | None = None) -> list[str]:
    """One line per target whose import cannot set its opt-out properties (rules/targets
    `read_only`: HubSpot): the cleaned files of those sources mark their suppressed records
    in another field, and the opt-outs themselves are on the target's suppression file:
    which file, how many, how to import it, and the opt-out columns left out. `sources`:
    only these source names (all when None)."""
    left = summary.get("left_out_columns") or {}
    files = summary.get("suppression_files") or {}
    by_target: dict[str, list[str]] = {}
    for name, target in (summary.get("targets") or {}).items():
        if sources is None or name in sources:
            by_target.setdefault(str(target), []).append(str(name))
    lines = []
    for target_name, names in by_target.items():
        target = _target(target_name)
        sup = files.get(target_name)
        if target is None or not target.read_only or not sup:
            continue
        cols = sorted({c for n in names for c in left.get(n, ()) if target.is_read_only(c)})
        gone = f"; {', '.join(cols)} left out" if cols else ""
        cleaned = ", ".join(f"{_PREFIX}{n}.csv" for n in names)
        lines.append(
            f"{', '.join(names)}: opt-outs for {target.title} are on {sup['file']} "
            f"({counted(int(sup.get('rows', 0)), 'address', 'addresses')}), not in {cleaned} "
            f"(its import cannot set them{gone}); import that list too: "
            f"{str(sup.get('how', '')).rstrip('.')}"
        )
    return lines


def _target(name: str) -> Target | None:
    try:
        return load_target(name)
    except ConfigError:
        return None


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
