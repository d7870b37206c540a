"""Speed of the links step on generated exports: 1M HubSpot rows against 700k Mailchimp members.

Run from the repository root: `PYTHONPATH=. .venv/bin/python benchmarks/links_speed.py
[crm_rows [esp_rows]] [--audit]`. The exports are generated once (30-60 s) and kept under
benchmarks/data/ (git-ignored). Prints the load and email-normalisation times (shared with
the checks in a real audit) and the links step itself: median of 3 runs, each on fresh
per-source caches holding only the normalised emails. With --audit, also a whole audit and
the links step rerun on the caches the checks leave (country, names already normalised).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from hygiene.checks.rules import load_rules
from hygiene.demo import generate
from hygiene.links import check_links
from hygiene.load import load_sources, parse_source_args
from hygiene.prepared import Prepared

DATA = Path(__file__).resolve().parent / "data"


def demo_files(crm_rows: int, esp_rows: int, seed: int = 7) -> tuple[Path, Path, Path]:
    """(crm, esp, truth.json) of a generated export set, cached under benchmarks/data/."""
    folder = DATA / f"links_{crm_rows}x{esp_rows}"
    truth = folder / "truth.json"
    if not truth.is_file():
        generate(folder, crm_rows=crm_rows, esp_rows=esp_rows, seed=seed)
    esp = next(folder.glob("members_export_*.zip"))
    return folder / "hubspot_contacts.csv", esp, truth


def main(argv: list[str]) -> None:
    crm_rows = int(argv[0]) if argv else 1_000_000
    esp_rows = int(argv[1]) if len(argv) > 1 else int(round(crm_rows * 0.7))
    t0 = time.perf_counter()
    crm, esp, _ = demo_files(crm_rows, esp_rows)
    print(f"data: {crm.parent} ({time.perf_counter() - t0:.1f} s to find or generate)")

    t0 = time.perf_counter()
    sources = load_sources(parse_source_args([f"crm={crm}", f"esp={esp}"]))
    rows = ", ".join(f"{s.name} {s.rows:,}" for s in sources)
    print(f"load: {time.perf_counter() - t0:.1f} s ({rows})")

    t0 = time.perf_counter()
    base = [Prepared(s) for s in sources]
    for p in base:
        p.email()
    print(f"normalise emails (shared with the checks): {time.perf_counter() - t0:.2f} s")

    rules = load_rules()
    times, cpu = [], []
    for _ in range(3):
        preps = []
        for p in base:
            fresh = Prepared(p.source)
            fresh.keep("email", p.email())
            preps.append(fresh)
        t0, c0 = time.perf_counter(), time.process_time()
        result = check_links(preps, rules)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(f"links step: median {statistics.median(times):.2f} s wall "
          f"({', '.join(f'{t:.2f}' for t in times)}), {statistics.median(cpu):.2f} s CPU")
    print(f"  pairs {len(result.pairs):,}; findings by code:")
    for code, n in result.findings["code"].value_counts().items():
        print(f"    {code:32} {n:>9,}")
    for s in result.stats:
        print(f"  {s}")


def in_audit(crm_rows: int, esp_rows: int) -> None:
    """The links step as an audit runs it: after the checks, sharing their normalised
    fields (email, country, names); median of 3 reruns on copies of the checks' caches."""
    import hygiene

    crm, esp, _ = demo_files(crm_rows, esp_rows)
    t0 = time.perf_counter()
    audit = hygiene.audit(f"crm={crm}", f"esp={esp}")
    total = time.perf_counter() - t0
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in audit.timings.items())
    print(f"audit: {total:.1f} s ({steps})")
    times, cpu = [], []
    for _ in range(3):
        preps = []
        for p in audit.prepared:
            fresh = Prepared(p.source, p.region)
            for key, value in p._memo.items():  # the checks' caches, not the links step's
                name = key if isinstance(key, str) else str(key[0])
                if not name.startswith("links."):
                    fresh.keep(key, value)
            preps.append(fresh)
        t0, c0 = time.perf_counter(), time.process_time()
        check_links(preps, audit.rules, kinds=audit.kinds)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(f"links step in the audit: median {statistics.median(times):.2f} s wall "
          f"({', '.join(f'{t:.2f}' for t in times)}), {statistics.median(cpu):.2f} s CPU")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--audit"]
    main(args)
    if "--audit" in sys.argv[1:]:
        rows = int(args[0]) if args else 1_000_000
        in_audit(rows, int(args[1]) if len(args) > 1 else int(round(rows * 0.7)))
