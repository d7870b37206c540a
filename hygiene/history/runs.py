"""Writing a run into the history and reading runs back.

`record` stores one audit in one transaction and returns the change since the previous
audit of the same data; `list_runs` and `load_snapshot` read what `hygiene history` shows.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..trend import Trend
from .snapshot import (
    TREND_POINTS,
    Dataset,
    InputFile,
    Snapshot,
    compare,
    same_datasets,
    snapshot,
)
from .store import opened, transaction

if TYPE_CHECKING:
    import numpy as np

    from ..results import Audit

#: On-disk form of a code's identity hashes: sorted distinct little-endian int64 (a dtype
#: string: `hygiene history` lists runs without importing numpy).
_ID_DTYPE = "<i8"
#: Earlier runs of the same sources and workflows searched for one of the same data.
CANDIDATES = 100


@dataclass(frozen=True)
class Recorded:
    """The run just stored, and the change since the previous audit of the same data."""

    run_id: int
    path: Path
    trend: Trend | None
    #: Why there is no trend, when there is none (no earlier run, or none of the same data).
    note: str | None = None


def _insert(
    conn: sqlite3.Connection, snap: Snapshot, previous_id: int | None, trend: Trend | None
) -> int:
    recorded_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    cur = conn.execute(
        "INSERT INTO runs (generated_at, recorded_at, source_set, overall, grade, records,"
        " findings, duplicates, workflows, tool_version, previous_id, new_findings,"
        " fixed_findings, gate_threshold, gate_passed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            snap.generated_at,
            recorded_at,
            snap.source_set,
            snap.overall,
            snap.grade,
            snap.records,
            snap.findings,
            snap.duplicates,
            _workflow_key(snap),
            snap.tool_version,
            previous_id,
            None if trend is None else trend.new_findings,
            None if trend is None else trend.fixed_findings,
            None if snap.gate is None else snap.gate[0],
            None if snap.gate is None else int(snap.gate[1]),
        ),
    )
    run_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO sources (run_id, name, platform, records) VALUES (?,?,?,?)",
        [(run_id, n, p, r) for n, (p, r) in snap.sources.items()],
    )
    conn.executemany(
        "INSERT INTO inputs (run_id, source, path, size, sha256) VALUES (?,?,?,?,?)",
        [(run_id, f.source, f.path, f.size, f.sha256) for f in snap.inputs],
    )
    conn.executemany(
        "INSERT INTO dimension_scores (run_id, dimension, score) VALUES (?,?,?)",
        [(run_id, d, v) for d, v in snap.dimensions.items()],
    )
    conn.executemany(
        "INSERT INTO workflow_scores (run_id, workflow, score, ready, ready_at, status)"
        " VALUES (?,?,?,?,?,?)",
        [
            (run_id, w, s, int(r), snap.ready_at.get(w), snap.status.get(w))
            for w, (s, r) in snap.workflows.items()
        ],
    )
    conn.executemany(
        "INSERT INTO datasets (run_id, name, distinct_keys, keys, columns) VALUES (?,?,?,?,?)",
        [
            (run_id, n, d.distinct, d.keys.astype(_ID_DTYPE, copy=False).tobytes(), d.columns)
            for n, d in snap.datasets.items()
        ],
    )
    conn.executemany(
        "INSERT INTO code_counts (run_id, code, severity, findings) VALUES (?,?,?,?)",
        [(run_id, c, s, n) for (c, s), n in snap.counts.items()],
    )
    # One blob per code instead of one row per finding: far faster and smaller than rows
    # with a primary key (benchmarks/history_speed.py). Comparing runs needs only whole
    # sets, never one row.
    conn.executemany(
        "INSERT INTO finding_ids (run_id, code, identities, ids) VALUES (?,?,?,?)",
        [
            (run_id, c, len(ids), ids.astype(_ID_DTYPE, copy=False).tobytes())
            for c, ids in snap.identities.items()
        ],
    )
    return run_id


def _workflow_key(snap: Snapshot) -> str:
    return json.dumps(sorted(snap.workflows))


def _datasets(conn: sqlite3.Connection, run_id: int) -> dict[str, Dataset]:
    import numpy as np

    return {
        str(n): Dataset(np.frombuffer(k, dtype=_ID_DTYPE).astype(np.int64), int(d), str(c))
        for n, d, k, c in conn.execute(
            "SELECT name, distinct_keys, keys, columns FROM datasets WHERE run_id = ?",
            (run_id,),
        )
    }


def _previous_id(conn: sqlite3.Connection, snap: Snapshot) -> tuple[int | None, str | None]:
    """The last run of the same data (`same_datasets`) and the same workflows, or None and
    why there is none.

    The same workflows: a nightly audit of every workflow and a pre-launch check of one share
    a database, and the workflows decide which fields are required. The same data: another
    client's export audited under the same source name is not an earlier state of this one.
    """
    ids = [
        int(r[0])
        for r in conn.execute(
            "SELECT id FROM runs WHERE source_set = ? AND workflows = ? ORDER BY id DESC"
            " LIMIT ?",
            (snap.source_set, _workflow_key(snap), CANDIDATES),
        )
    ]
    for run_id in ids:
        if same_datasets(snap.datasets, _datasets(conn, run_id)):
            return run_id, None
    names = ", ".join(f"{n} ({p})" for n, (p, _) in snap.sources.items())
    if not ids:
        return None, f"no earlier audit of {names} with these workflows; the trend starts here"
    runs = ", ".join(str(i) for i in sorted(ids)[-5:])
    return None, (
        f"no earlier audit of the same data: run{'s' if len(ids) > 1 else ''} {runs} audited "
        f"{names} with other records (or before crm-hygiene kept what the data was), so they "
        "are not compared with this one; the trend starts here"
    )


def load_snapshot(conn: sqlite3.Connection, run_id: int, identities: bool = True) -> Snapshot:
    """A stored run (with its finding identities unless `identities` is False)."""
    run = conn.execute(
        "SELECT r.generated_at, r.source_set, r.overall, r.grade, r.records, r.findings,"
        " r.duplicates, r.tool_version, r.previous_id, round(r.overall - p.overall, 1),"
        " r.new_findings, r.fixed_findings, r.gate_threshold, r.gate_passed"
        " FROM runs r LEFT JOIN runs p ON p.id = r.previous_id WHERE r.id = ?",
        (run_id,),
    ).fetchone()
    if run is None:
        raise KeyError(run_id)
    ids: dict[str, np.ndarray] = {}
    if identities:
        import numpy as np

        ids = {
            str(c): np.frombuffer(blob, dtype=_ID_DTYPE).astype(np.int64)
            for c, blob in conn.execute(
                "SELECT code, ids FROM finding_ids WHERE run_id = ?", (run_id,)
            )
        }
    scored = conn.execute(
        "SELECT workflow, score, ready, ready_at, status FROM workflow_scores WHERE run_id = ?"
        " ORDER BY workflow",
        (run_id,),
    ).fetchall()
    return Snapshot(
        generated_at=run[0],
        source_set=run[1],
        overall=float(run[2]),
        grade=run[3],
        records=int(run[4]),
        findings=int(run[5]),
        duplicates=int(run[6]),
        tool_version=run[7],
        run_id=run_id,
        previous_id=run[8],
        overall_change=run[9],
        new_findings=run[10],
        fixed_findings=run[11],
        dimensions=dict(
            conn.execute(
                "SELECT dimension, score FROM dimension_scores WHERE run_id = ?", (run_id,)
            ).fetchall()
        ),
        workflows={w: (float(s), bool(r)) for w, s, r, _, _ in scored},
        ready_at={w: None if a is None else float(a) for w, _, _, a, _ in scored},
        status={w: st for w, _, _, _, st in scored},
        gate=None if run[12] is None else (float(run[12]), bool(run[13])),
        counts={
            (c, s): int(n)
            for c, s, n in conn.execute(
                "SELECT code, severity, findings FROM code_counts WHERE run_id = ?", (run_id,)
            )
        },
        identities=ids,
        datasets=_datasets(conn, run_id) if identities else {},
        sources={
            n: (p, int(r))
            for n, p, r in conn.execute(
                "SELECT name, platform, records FROM sources WHERE run_id = ? ORDER BY name",
                (run_id,),
            )
        },
        inputs=[
            InputFile(*row)
            for row in conn.execute(
                "SELECT source, path, size, sha256 FROM inputs WHERE run_id = ? ORDER BY rowid",
                (run_id,),
            )
        ],
    )


def _earlier(conn: sqlite3.Connection, previous: Snapshot) -> list[tuple[str, float]]:
    """(generated_at, overall) of `previous` and the runs it was compared with in turn (the
    same data and workflows), oldest first."""
    points: list[tuple[str, float]] = []
    run_id: int | None = previous.run_id
    while run_id is not None and len(points) < TREND_POINTS:
        row = conn.execute(
            "SELECT generated_at, overall, previous_id FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        if row is None:
            break
        points.append((str(row[0]), float(row[1])))
        run_id = None if row[2] is None or int(row[2]) >= run_id else int(row[2])
    return points[::-1]


def record_snapshot(path: Path | str, snap: Snapshot) -> Recorded:
    """Store `snap` and compare it with the previous run of the same data, in one
    transaction: a concurrent run lands wholly before or wholly after this one."""
    with opened(path) as conn, transaction(conn):
        prev_id, note = _previous_id(conn, snap)
        trend = None
        if prev_id is not None:
            previous = load_snapshot(conn, prev_id)
            trend = compare(snap, previous, _earlier(conn, previous))
        run_id = _insert(conn, snap, prev_id, trend)
    return Recorded(run_id=run_id, path=Path(path), trend=trend, note=note)


def record(audit: Audit, path: Path | str) -> Recorded:
    """Add `audit` to the history at `path` (created if missing); returns the run and the
    change since the previous audit of the same data (None, with a note, when there is none)."""
    return record_snapshot(path, snapshot(audit))


def trend_for(path: Path | str, run_id: int) -> Trend | None:
    """The change a stored run made against the run it was compared with (the same data)."""
    with opened(path, create=False) as conn:
        current = load_snapshot(conn, run_id)
        if current.previous_id is None:
            return None
        previous = load_snapshot(conn, current.previous_id)
        return compare(current, previous, _earlier(conn, previous))


def list_runs(
    path: Path | str, limit: int | None = None, source: str | None = None
) -> list[Snapshot]:
    """The last `limit` runs (all when None), oldest first, optionally only those that
    audited a source named `source`. Finding identities are not loaded."""
    where, params = "", list[str | int]()
    if source is not None:
        where = " WHERE EXISTS (SELECT 1 FROM sources s WHERE s.run_id = r.id AND s.name = ?)"
        params.append(source)
    sql = f"SELECT r.id FROM runs r{where} ORDER BY r.id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    with opened(path, create=False) as conn:
        ids = [int(r[0]) for r in conn.execute(sql, params)]
        return [load_snapshot(conn, i, identities=False) for i in reversed(ids)]
