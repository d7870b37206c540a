"""Whether two runs wrote the same outputs, but for timings: for a speed change that must
change nothing.

Each folder holds `audit/` (hygiene audit --format json,html,md) and `clean/` (hygiene clean)
of the same inputs, written by two versions of the code (a git worktree of the older one,
run with PYTHONPATH pointing at it):

    python -m hygiene audit crm=C.csv esp=E.zip --out A/audit --format json,html,md \\
        --no-history --no-decisions -q
    python -m hygiene clean crm=C.csv esp=E.zip --out A/clean --no-decisions -q
    python benchmarks/compare_outputs.py A B

audit.json and clean_summary.json are compared as data without `generated_at` and
`seconds`; report.html and summary.md as text with dates, clock times and second counts
masked; every other clean file byte for byte. Exit 1 when anything differs.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import re
import sys
from pathlib import Path
from typing import Any

#: Keys whose values change from run to run.
VOLATILE = frozenset({"generated_at", "seconds"})
_TIME = re.compile(r"\d{4}-\d\d-\d\dT?[ \d:]*Z?|\d+(\.\d+)? ?s\b|\d\d:\d\d(:\d\d)?( UTC)?")


def without_volatile(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: without_volatile(v) for k, v in x.items() if k not in VOLATILE}
    if isinstance(x, list):
        return [without_volatile(v) for v in x]
    return x


def differences(a: Path, b: Path) -> list[str]:
    """What differs between the two folders (empty: the same but for timings)."""
    out: list[str] = []
    for rel in ("audit/audit.json", "clean/clean_summary.json"):
        x, y = (without_volatile(json.loads((d / rel).read_text("utf-8"))) for d in (a, b))
        if x != y:
            keys = [k for k in x if x.get(k) != y.get(k)] if isinstance(x, dict) else []
            out.append(f"{rel}: {', '.join(keys) or 'differs'}")
    for rel in ("audit/report.html", "audit/summary.md"):
        x, y = (_TIME.sub("T", (d / rel).read_text("utf-8")) for d in (a, b))
        if x != y:
            out.append(f"{rel}: text differs (times masked)")
    names = {p.name for p in (a / "clean").iterdir()} | {p.name for p in (b / "clean").iterdir()}
    for name in sorted(names - {"clean_summary.json"}):
        left, right = a / "clean" / name, b / "clean" / name
        if not (left.is_file() and right.is_file()):
            out.append(f"clean/{name}: only in one folder")
        elif not filecmp.cmp(left, right, shallow=False):
            out.append(f"clean/{name}: bytes differ")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    found = differences(args.a, args.b)
    for line in found:
        print(line)
    print("identical but for timings" if not found else f"{len(found)} difference(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
