"""One audit as the history keeps it, and the change between two of them (a `Trend`).

A `Snapshot` is built from an `Audit` without touching the database, so the comparison is a
pure function of two snapshots and can be tested without SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ..trend import Trend
from ..version import __version__

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..model import Source
    from ..results import Audit

#: How many earlier audits a Trend lists for a sparkline.
TREND_POINTS = 30


@dataclass(frozen=True)
class InputFile:
    """One file an audit read: which source, where, how big, and its content hash."""

    source: str
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Dataset:
    """What tells one source's data from another's under the same name: a sample of its
    record keys (see `hygiene.history.identity.sketch`) and, for a source with neither ids
    nor emails, its mapped columns."""

    keys: np.ndarray
    distinct: int
    #: JSON of the column -> field map, keys sorted.
    columns: str

    def same_as(self, other: Dataset) -> bool:
        """True when both hold mostly the same records (or, with no keys, the same columns)."""
        if not self.distinct and not other.distinct:
            return self.columns == other.columns
        from .identity import MIN_SHARED, shared_share  # see `input_files`

        share = shared_share(self.keys, self.distinct, other.keys, other.distinct)
        return share >= MIN_SHARED


def dataset(source: Source, emails: pd.Series | None) -> Dataset:
    from .identity import record_keys, sketch  # see `input_files`

    keys, distinct = sketch(record_keys(source, emails))
    return Dataset(keys, distinct, json.dumps(dict(sorted(source.columns.items()))))


def same_datasets(now: Mapping[str, Dataset], before: Mapping[str, Dataset]) -> bool:
    """Two runs of the same sources audited the same data: each source holds mostly the same
    records as before. A run recorded before schema 3 has no datasets: it matches nothing."""
    return bool(now) and set(now) == set(before) and all(
        d.same_as(before[n]) for n, d in now.items()
    )


@dataclass
class Snapshot:
    """What the history stores of one audit."""

    generated_at: str
    source_set: str
    overall: float
    grade: str
    records: int
    findings: int
    duplicates: int
    dimensions: dict[str, float]
    #: workflow -> (score, ready)
    workflows: dict[str, tuple[float, bool]]
    #: (code, severity) -> number of findings
    counts: dict[tuple[str, str], int]
    #: code -> sorted distinct identity hashes (int64)
    identities: dict[str, np.ndarray]
    #: source name -> (platform, records)
    sources: dict[str, tuple[str, int]] = field(default_factory=dict)
    inputs: list[InputFile] = field(default_factory=list)
    tool_version: str = ""
    #: workflow -> the line it was judged against (None: recorded before schema 2)
    ready_at: dict[str, float | None] = field(default_factory=dict)
    #: workflow -> ready, not_ready or needs_source (None: recorded before schema 2)
    status: dict[str, str | None] = field(default_factory=dict)
    #: The run's --fail-under gate: (threshold, passed), or None when there was none.
    gate: tuple[float, bool] | None = None
    #: source name -> what its records were (empty: recorded before schema 3)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    #: Set on runs read back from the history: their id, and the change against the
    #: previous run of the same sources (None for the first).
    run_id: int | None = None
    previous_id: int | None = None
    overall_change: float | None = None
    new_findings: int | None = None
    fixed_findings: int | None = None


def group_identities(codes: np.ndarray, hashes: np.ndarray) -> dict[str, np.ndarray]:
    """code -> sorted distinct hashes: the form stored and compared."""
    import numpy as np

    from ..arrays import distinct

    if not len(hashes):
        return {}
    order = np.lexsort((hashes, codes))
    codes, hashes = codes[order], hashes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    return {str(codes[a]): distinct(hashes[a:b]) for a, b in zip(starts, ends, strict=True)}


def input_files(audit: Audit) -> list[InputFile]:
    """Every file the audit read, with size and SHA-256 (a file read twice is listed once)."""
    from .identity import file_sha256  # pandas and the normalisers: reading runs needs neither

    out: list[InputFile] = []
    seen: set[tuple[str, Path]] = set()
    for s in audit.sources:
        for p in s.paths:
            path = Path(p).resolve()
            if (s.name, path) in seen or not path.is_file():
                continue
            seen.add((s.name, path))
            out.append(InputFile(s.name, str(path), path.stat().st_size, file_sha256(path)))
    return out


def snapshot(audit: Audit) -> Snapshot:
    """The history's view of an audit: scores, counts, finding identities and inputs."""
    from .identity import email_lookup, finding_identities, source_set  # see `input_files`

    findings = audit.findings
    hashes = finding_identities(findings, audit.sources, audit.prepared)
    codes = findings["code"].to_numpy(dtype=object)
    counts = findings.groupby(["code", "severity"], sort=True).size()
    # grouped by two keys: each label is a (code, severity) pair
    pairs = cast("Iterable[tuple[tuple[object, object], int]]", counts.items())
    emails_of = email_lookup(audit.sources, audit.prepared)
    s = audit.score
    return Snapshot(
        generated_at=audit.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        source_set=source_set(audit.sources),
        overall=float(s.overall),
        grade=s.grade,
        records=int(sum(x.rows for x in audit.sources)),
        findings=int(len(findings)),
        duplicates=len(audit.duplicates),
        dimensions={k: float(v) for k, v in s.dimensions.items()},
        workflows={k: (float(w.score), bool(w.ready)) for k, w in s.workflows.items()},
        counts={(str(c), str(v)): int(n) for (c, v), n in pairs},
        identities=group_identities(codes, hashes),
        sources={x.name: (x.platform, int(x.rows)) for x in audit.sources},
        inputs=input_files(audit),
        tool_version=__version__,
        ready_at={k: float(w.ready_at) for k, w in s.workflows.items()},
        status={k: w.status for k, w in s.workflows.items()},
        gate=None if s.gate is None else (float(s.gate.threshold), bool(s.gate.passed)),
        datasets={x.name: dataset(x, emails_of(x.name)) for x in audit.sources},
    )


def _delta(now: float, before: float) -> float:
    return round(now - before, 1)


def _changes(
    now: Mapping[str, np.ndarray], before: Mapping[str, np.ndarray]
) -> tuple[dict[str, int], dict[str, int]]:
    """Per code: identities present now but not before (new), and before but not now (fixed)."""
    import numpy as np  # not at import: `hygiene history` lists runs without it

    new: dict[str, int] = {}
    fixed: dict[str, int] = {}
    empty = np.empty(0, dtype=np.int64)
    for code in sorted(set(now) | set(before)):
        a, b = now.get(code, empty), before.get(code, empty)
        # Both sides are sorted and distinct, so isin can skip its own sort.
        n_new = int((~np.isin(a, b, assume_unique=True)).sum())
        n_fixed = int((~np.isin(b, a, assume_unique=True)).sum())
        if n_new:
            new[code] = n_new
        if n_fixed:
            fixed[code] = n_fixed
    return new, fixed


def compare(
    current: Snapshot, previous: Snapshot, earlier: Sequence[tuple[str, float]] = ()
) -> Trend:
    """The change from `previous` to `current`; `earlier` is (generated_at, overall) of
    the audits before, oldest first, for the trend line."""
    new, fixed = _changes(current.identities, previous.identities)
    return Trend(
        previous_at=previous.generated_at,
        previous_overall=previous.overall,
        overall_delta=_delta(current.overall, previous.overall),
        dimension_deltas={
            d: _delta(v, previous.dimensions[d])
            for d, v in current.dimensions.items()
            if d in previous.dimensions
        },
        workflow_deltas={
            w: _delta(v[0], previous.workflows[w][0])
            for w, v in current.workflows.items()
            if w in previous.workflows
        },
        new_findings=sum(new.values()),
        fixed_findings=sum(fixed.values()),
        new_by_code=dict(sorted(new.items(), key=lambda kv: (-kv[1], kv[0]))),
        fixed_by_code=dict(sorted(fixed.items(), key=lambda kv: (-kv[1], kv[0]))),
        history=list(earlier),
    )
