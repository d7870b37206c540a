"""Make a large sample set (HubSpot CSV + Mailchimp ZIP + truth) and time it.

    .venv/bin/python benchmarks/generate.py --crm-rows 1000000 --esp-rows 700000 \\
        --out benchmarks/data/1m [--seed 7] [--esp-format zip|csv] [--repeat 3]

Prints the files written, their sizes, the defect counts from truth.json and the wall
and CPU seconds of each run (median when --repeat > 1). Sets over 50,000 rows keep the
truth lists in truth_*.csv beside truth.json; `hygiene.demo.load_truth` reads both forms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hygiene.demo import generate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crm-rows", type=int, default=1_000_000)
    parser.add_argument("--esp-rows", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "data" / "1m")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--esp-format", choices=("zip", "csv"), default="zip")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)

    walls, cpus = [], []
    for _ in range(max(args.repeat, 1)):
        wall, cpu = time.perf_counter(), time.process_time()
        files = generate(args.out, crm_rows=args.crm_rows, esp_rows=args.esp_rows,
                         seed=args.seed, esp_format=args.esp_format)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)

    esp = files.esp if isinstance(files.esp, list) else [files.esp]
    for path in [files.crm, *esp, files.truth, *files.truth_lists]:
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
    truth = json.loads(files.truth.read_text(encoding="utf-8"))
    print(f"rows: crm {truth['crm']['rows']:,}  esp {truth['esp']['rows']:,}")
    for kind, n in truth["counts"].items():
        print(f"  {kind:24s} {n:>9,}")
    label = f"median of {len(walls)}" if len(walls) > 1 else "one run"
    print(f"seconds ({label}): wall {statistics.median(walls):.2f}  "
          f"cpu {statistics.median(cpus):.2f}  (runs: "
          + ", ".join(f"{w:.2f}" for w in walls) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
