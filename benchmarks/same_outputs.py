"""Does a change keep every output the same? Audit and clean with two versions of the code.

    python benchmarks/same_outputs.py --base da923d1              # 100k CRM + 70k ESP rows
    python benchmarks/same_outputs.py --base main --rows 5000     # a quick look
    python benchmarks/same_outputs.py --base-tree /path/to/checkout

A refactor must not change what users get. This runs `hygiene audit` (all four formats) and
`hygiene clean` on the same generated exports with the code of this checkout and with the
code of a base (a git ref, checked out into a temporary worktree, or a folder), each in a
fresh process with that tree first on PYTHONPATH, and compares the outputs:

- audit.json and clean_summary.json as JSON with the run's timings, times and paths removed;
- every CSV, summary.md and changes files byte for byte;
- review.xlsx cell by cell in every sheet (the zip itself carries timestamps);
- report.html as text with the run's timings and times masked.

It prints each file that differs with its first differences and exits 1 if any differ.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: keys whose values belong to the run, not to the data: left out of the JSON comparison.
RUN_KEYS = frozenset(
    {"timings", "seconds", "elapsed", "duration", "generated_at", "started_at",
     "finished_at", "run_at", "created", "created_at", "version", "hygiene_version",
     "out", "output_dir", "path", "paths", "files", "python", "machine", "host"}
)
#: in report.html and summary.md: dates, times and durations of the run.
RUN_TEXT = [
    re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d( UTC)?"),
    re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d( UTC)?"),
    re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?"),
    re.compile(r"\b\d+(\.\d+)?\s?(s|ms|seconds)\b"),
    re.compile(r"(/tmp|/var)/[^\s\"'<]+"),
]


def run(cmd: list[str], tree: Path, cwd: Path) -> int:
    env = dict(os.environ, PYTHONPATH=str(tree))
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed in {tree} (exit {proc.returncode}):\n{proc.stderr}")
    return proc.returncode


def outputs(tree: Path, data: Path, work: Path) -> Path:
    """Audit and clean `data` with the code in `tree`; the folder holding both outputs."""
    out = work / "out"
    crm, esp = data / "hubspot_contacts.csv", next(data.glob("members_export_*.zip"))
    hygiene = [sys.executable, "-m", "hygiene"]
    run([*hygiene, "audit", f"crm={crm}", f"esp={esp}", "--out", str(out / "audit"),
         "--format", "json,html,xlsx,md", "--no-history", "--no-decisions"], tree, work)
    run([*hygiene, "clean", f"crm={crm}", f"esp={esp}", "--out", str(out / "clean"),
         "--no-decisions"], tree, work)
    return out


def strip_run(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_run(v) for k, v in value.items() if k not in RUN_KEYS}
    if isinstance(value, list):
        return [strip_run(v) for v in value]
    return value


def mask(text: str) -> str:
    for pattern in RUN_TEXT:
        text = pattern.sub("<run>", text)
    return text


def xlsx_cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return {
        ws.title: [tuple(mask(v) if isinstance(v, str) else v for v in row)
                   for row in ws.iter_rows(values_only=True)]
        for ws in book
    }


def first_diff(a: list[Any], b: list[Any], limit: int = 3) -> list[str]:
    lines = []
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            lines.append(f"    line {i + 1}: base {str(x)[:160]!r}")
            lines.append(f"    line {i + 1}: here {str(y)[:160]!r}")
            if len(lines) >= 2 * limit:
                break
    if len(a) != len(b):
        lines.append(f"    {len(a)} lines in base, {len(b)} here")
    return lines


def json_lines(value: Any) -> list[str]:
    return json.dumps(strip_run(value), indent=1, sort_keys=True, default=str).splitlines()


def compare(base: Path, here: Path) -> list[str]:
    problems = []
    names = sorted({p.relative_to(base) for p in base.rglob("*") if p.is_file()}
                   | {p.relative_to(here) for p in here.rglob("*") if p.is_file()})
    for name in names:
        a, b = base / name, here / name
        if not a.exists() or not b.exists():
            problems.append(f"{name}: only in {'here' if b.exists() else 'base'}")
            continue
        if name.suffix == ".json":
            diff = first_diff(json_lines(json.loads(a.read_text())),
                              json_lines(json.loads(b.read_text())))
        elif name.suffix == ".xlsx":
            ca, cb = xlsx_cells(a), xlsx_cells(b)
            diff = [] if ca == cb else [
                f"  sheet {s}:\n" + "\n".join(first_diff(ca.get(s, []), cb.get(s, [])))
                for s in sorted(set(ca) | set(cb)) if ca.get(s) != cb.get(s)
            ]
        elif name.suffix in {".html", ".md"}:
            diff = first_diff(mask(a.read_text()).splitlines(), mask(b.read_text()).splitlines())
        else:
            diff = [] if a.read_bytes() == b.read_bytes() else first_diff(
                a.read_bytes().splitlines(), b.read_bytes().splitlines())
        if diff:
            problems.append(f"{name} differs:\n" + "\n".join(diff))
    return problems


def data_set(rows: int) -> Path:
    folder = ROOT / "benchmarks" / "data" / f"same-{rows}"
    if not (folder / "hubspot_contacts.csv").exists():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--crm-rows", str(rows),
             "--esp-rows", str(rows * 7 // 10), "--out", str(folder)],
            check=True, cwd=ROOT,
        )
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--base", help="a git ref to compare with (checked out into a worktree)")
    where.add_argument("--base-tree", type=Path, help="a checkout to compare with")
    parser.add_argument("--rows", type=int, default=100_000, help="CRM rows (ESP gets 70%%)")
    args = parser.parse_args()
    data = data_set(args.rows)
    with tempfile.TemporaryDirectory(prefix="same-outputs-") as tmp:
        work = Path(tmp)
        base_tree = args.base_tree
        if base_tree is None:
            base_tree = work / "base-tree"
            subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base_tree), args.base],
                           check=True, cwd=ROOT)
        try:
            (work / "base").mkdir()
            (work / "here").mkdir()
            base_out = outputs(base_tree.resolve(), data, work / "base")
            here_out = outputs(ROOT, data, work / "here")
            problems = compare(base_out, here_out)
        finally:
            if args.base_tree is None:
                subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT)
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} output(s) differ")
        return 1
    print(f"same outputs ({args.rows:,} CRM rows): audit and clean, every file compared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
