"""How much the audit history costs per run. Prints seconds (median of 3) and MB.

    .venv/bin/python benchmarks/history_speed.py [--rows 1000000] [--findings 500000]

A synthetic audit: one source of `rows` contacts (record id on 80% of rows, email on the
rest, some with neither) and `findings` findings over twelve codes. Measured:
1. identities: the 64-bit identity hash of every finding (record key, join, SipHash);
2. record: one run written into a WAL database (one transaction) including the comparison
   with the previous run; the audit's own time is not counted;
3. size: growth of the database file per run, and per 100k findings;
4. alternative: the same identities stored one row per finding, for comparison.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hygiene.history.identity import finding_identities  # noqa: E402
from hygiene.history.runs import record_snapshot  # noqa: E402
from hygiene.history.snapshot import Snapshot, group_identities  # noqa: E402
from hygiene.model import Source  # noqa: E402
from hygiene.normalize.base import TEXT  # noqa: E402
from hygiene.prepared import Prepared  # noqa: E402

CODES = [
    "email.missing", "email.invalid_syntax", "email.typo_domain", "email.disposable",
    "email.role_account", "email.free_mail", "phone.invalid", "value.placeholder",
    "field.inconsistent", "field.missing_required", "contact.unreachable", "file.ragged_row",
]  # fmt: skip


def make_source(rows: int, rng: np.random.Generator) -> Source:
    ids = np.arange(51000, 51000 + rows).astype(str).astype(object)
    ids[rng.random(rows) < 0.2] = None
    email = np.char.add(np.arange(rows).astype(str), "@example.org").astype(object)
    email[rng.random(rows) < 0.05] = None
    data = pd.DataFrame(
        {"Record ID": pd.Series(ids, dtype=TEXT), "Email": pd.Series(email, dtype=TEXT)}
    )
    prov = pd.DataFrame(
        {
            "file": pd.Series(["contacts.csv"] * rows, dtype=TEXT),
            "sheet": pd.Series([None] * rows, dtype=TEXT),
            "row": np.arange(1, rows + 1, dtype=np.int64),
        }
    )
    return Source("crm", "hubspot", data, prov, {"Record ID": "record_id", "Email": "email"})


def make_findings(src: Source, n: int, rng: np.random.Generator) -> pd.DataFrame:
    pos = rng.integers(0, src.rows, n)
    code = np.array(CODES, dtype=object)[rng.integers(0, len(CODES), n)]
    rid = src.data["Record ID"].to_numpy(dtype=object, na_value=None)[pos]
    return pd.DataFrame(
        {
            "code": pd.Series(code, dtype=TEXT),
            "severity": pd.Series(["warning"] * n, dtype=TEXT),
            "source": pd.Series(["crm"] * n, dtype=TEXT),
            "file": pd.Series(["contacts.csv"] * n, dtype=TEXT),
            "row": pd.Series(pos + 1, dtype="Int64"),
            "record_id": pd.Series(rid, dtype=object),
            "field": pd.Series(["email"] * n, dtype=object),
            "column": pd.Series(["Email"] * n, dtype=object),
            "pos": pos.astype(np.int64),
        }
    )


def snap_for(findings: pd.DataFrame, ids: np.ndarray, rows: int) -> Snapshot:
    codes = findings["code"].to_numpy(dtype=object)
    return Snapshot(
        generated_at="2026-11-24T10:00:00Z",
        source_set="crm:hubspot",
        overall=72.4,
        grade="C",
        records=rows,
        findings=len(findings),
        duplicates=0,
        dimensions={"validity": 80.0},
        workflows={"newsletter": (81.0, False)},
        counts={(c, "warning"): int(k) for c, k in findings["code"].value_counts().items()},
        identities=group_identities(codes, ids),
        sources={"crm": ("hubspot", rows)},
    )


def rows_alternative(path: Path, snap: Snapshot) -> float:
    """The same identities as one row per finding (WITHOUT ROWID), for comparison."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS f (run_id INTEGER, code TEXT, ident INTEGER,"
        " PRIMARY KEY (run_id, code, ident)) WITHOUT ROWID"
    )
    run = int(conn.execute("SELECT count(DISTINCT run_id) FROM f").fetchone()[0]) + 1
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for code, ids in snap.identities.items():
        conn.executemany("INSERT INTO f VALUES (?,?,?)", ((run, code, int(i)) for i in ids))
    conn.execute("COMMIT")
    took = time.perf_counter() - t0
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--findings", type=int, default=500_000)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    src = make_source(args.rows, rng)
    findings = make_findings(src, args.findings, rng)
    # The audit has normalised the emails already (its checks need them); not counted here.
    prep = Prepared(src)
    prep.email()

    hash_times, ids = [], np.empty(0)
    for _ in range(3):
        t0 = time.perf_counter()
        ids = finding_identities(findings, [src], [prep])
        hash_times.append(time.perf_counter() - t0)
    snap = snap_for(findings, ids, args.rows)
    distinct = sum(len(v) for v in snap.identities.values())

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "history.db"
        record_times, sizes = [], []
        for _ in range(3):
            before = db.stat().st_size if db.exists() else 0
            t0 = time.perf_counter()
            record_snapshot(db, snap)
            record_times.append(time.perf_counter() - t0)
            sizes.append(db.stat().st_size - before)
        alt = Path(tmp) / "rows.db"
        alt_times, alt_sizes = [], []
        for _ in range(3):
            before = alt.stat().st_size if alt.exists() else 0
            alt_times.append(rows_alternative(alt, snap))
            alt_sizes.append(alt.stat().st_size - before)

    per_100k = statistics.median(sizes) / 1e6 / (distinct / 100_000)
    alt_per_100k = statistics.median(alt_sizes) / 1e6 / (distinct / 100_000)
    print(f"{args.findings:,} findings ({distinct:,} distinct identities), {args.rows:,} rows")
    print(f"identities: {statistics.median(hash_times):.3f} s")
    print(f"record (one transaction, with comparison): {statistics.median(record_times):.3f} s")
    print(f"size per run: {statistics.median(sizes) / 1e6:.2f} MB ({per_100k:.2f} MB per 100k)")
    print(
        f"one row per finding instead: {statistics.median(alt_times):.3f} s, "
        f"{alt_per_100k:.2f} MB per 100k"
    )


if __name__ == "__main__":
    main()
