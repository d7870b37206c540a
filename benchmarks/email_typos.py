"""Typo-domain fixes on the published test cases of email-typo libraries, at three counts.

Each library's misspelt domains (tests/email_typo_cases.py) are put into an export of real
addresses once each, 20 times each, and on 1% of the rows each; the script prints, per
library and count, how many get the fix the library's own tests expect, and how many of the
real domains the library expects left alone were "fixed" anyway.

    python benchmarks/email_typos.py [--background 2000]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hygiene.checks.email import suggest_domains  # noqa: E402
from tests.email_typo_cases import ISSUE_FIXES, ISSUE_KEEPS, LIBRARIES, Library  # noqa: E402

#: The real domains of the export around the cases, and each one's share of its rows.
BACKGROUND = {
    "gmail.com": 0.35,
    "yahoo.com": 0.12,
    "hotmail.com": 0.1,
    "outlook.com": 0.08,
    "aol.com": 0.05,
    "icloud.com": 0.05,
    "comcast.net": 0.03,
    "acme-widgets.com": 0.1,
    "northwind-traders.com": 0.07,
    "contoso.co.uk": 0.05,
}


def export_counts(domains: Sequence[str], per_domain: int, background: int) -> pd.Series:
    """Rows per domain of an export: `background` real addresses, each of `domains` on
    `per_domain` rows."""
    rows = {d: max(1, round(share * background)) for d, share in BACKGROUND.items()}
    for d in domains:
        rows[d] = rows.get(d, 0) + per_domain
    return pd.Series(rows, dtype="int64").sort_values(ascending=False)


def fixes_at(domains: Sequence[str], mode: str, background: int) -> dict[str, str | None]:
    """Each domain's fix (None: left alone) in an export where it appears `mode` times."""
    if mode != "1%":
        counts = export_counts(domains, int(mode), background)
        found = suggest_domains(counts)
        return {d: found[d].domain if d in found else None for d in domains}
    out: dict[str, str | None] = {}
    # Ten domains an export, each on 1% of its rows.
    for i in range(0, len(domains), 10):
        chunk = list(domains[i : i + 10])
        per = math.ceil(0.01 * background / (1 - 0.01 * len(chunk)))
        found = suggest_domains(export_counts(chunk, per, background))
        out.update({d: found[d].domain if d in found else None for d in chunk})
    return out


def score(lib: Library, mode: str, background: int) -> tuple[int, int, int, int]:
    """(right fixes, cases, real domains changed, real domains)."""
    typos = [t for t, _ in lib.fixes]
    got = fixes_at(list(dict.fromkeys(typos)), mode, background)
    right = sum(got[t] == want for t, want in lib.fixes)
    kept = fixes_at(list(lib.keeps), mode, background)
    wrong = sum(v is not None for v in kept.values())
    return right, len(lib.fixes), wrong, len(lib.keeps)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--background", type=int, default=2000)
    args = ap.parse_args(argv)
    modes = ("1", "20", "1%")
    print(f"{'library':32} {'count':>5} {'right fixes':>14} {'real domains changed':>22}")
    issue = Library("issue 22 misses", "issues show 22", ISSUE_FIXES, ISSUE_KEEPS)
    for lib in (*LIBRARIES, issue):
        for mode in modes:
            right, n, wrong, k = score(lib, mode, args.background)
            print(
                f"{lib.name:32} {mode:>5} {right:>5}/{n:<3} {right / n:5.0%} "
                f"{wrong:>10}/{k:<3}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
