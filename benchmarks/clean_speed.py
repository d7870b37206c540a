"""Time `hygiene clean` on the demo exports: the audit once, then plan + write.

    .venv/bin/python benchmarks/clean_speed.py --rows 100000 [--repeat 3]
    .venv/bin/python benchmarks/clean_speed.py --rows 1000000 --repeat 3

The demo set (HubSpot CSV + Mailchimp ZIP, ESP 70% of the CRM) is generated once into
benchmarks/data/demo_<rows>/ (gitignored) and reused. Prints the audit's seconds, then the
median seconds of planning (fixes, merges, suppression, accounting) and of writing the files,
with the rows, clusters, suppressions and changed cells.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import hygiene  # noqa: E402
from hygiene.demo import generate  # noqa: E402


def demo_files(rows: int) -> tuple[Path, Path]:
    """The cached demo set of `rows` CRM rows (generated on first use)."""
    folder = ROOT / "benchmarks" / "data" / f"demo_{rows}"
    crm = folder / "hubspot_contacts.csv"
    zips = sorted(folder.glob("members_export_*.zip"))
    if not crm.is_file() or not zips:
        files = generate(folder, crm_rows=rows, seed=7)
        assert isinstance(files.esp, Path)
        return files.crm, files.esp
    return crm, zips[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    crm, esp = demo_files(args.rows)
    t0 = time.perf_counter()
    audit = hygiene.audit(f"crm={crm}", f"esp={esp}", decisions=False)
    audit_s = time.perf_counter() - t0
    plans, writes = [], []
    result = None
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(max(args.repeat, 1)):
            result = hygiene.clean(
                out=Path(tmp) / str(i), audited=audit, decisions=Path(tmp) / "none.json"
            )
            plans.append(result.timings["plan"])
            writes.append(result.timings["write"])
    assert result is not None
    rows = sum(s.rows for s in audit.sources)
    summary = result.summary
    print(f"rows in: {rows:,} ({', '.join(f'{s.name} {s.rows:,}' for s in audit.sources)})")
    print(
        f"clusters {summary['clusters']:,}  suppressed "
        f"{sum(summary['suppressed_by_reason'].values()):,}  changed cells "
        f"{summary['changes']:,}"
    )
    print(f"audit: {audit_s:.1f} s (once)")
    print(
        f"plan:  {statistics.median(plans):.2f} s  (runs: "
        + ", ".join(f"{p:.2f}" for p in plans)
        + ")"
    )
    print(
        f"write: {statistics.median(writes):.2f} s  (runs: "
        + ", ".join(f"{w:.2f}" for w in writes)
        + ")"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
