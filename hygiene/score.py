"""The readiness score: six dimensions, an overall score and grade, and per-workflow readiness.

Weights come from rules/scoring.yaml. A record's penalty in a dimension is the weight of its
worst finding there; a dimension scores 100 x (1 - mean penalty). The overall score is their
weighted mean, capped at the share of records that can be reached (a usable email or phone):
a list nobody can be mailed or called never grades as healthy. The same findings always give
the same score, more defects a lower one, and reachable data with no findings scores 100.
Workflow readiness lives in `hygiene.readiness`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .model import DIMENSIONS, Source
from .readiness import (
    Blocker,
    DuplicateSet,
    Gate,
    WorkflowScore,
    _Rows,
    per_category,
    workflow_score,
)
from .resources import rules_yaml
from .words import counted
from .workflows import Workflow

__all__ = [
    "Blocker",
    "DuplicateSet",
    "Gate",
    "Reach",
    "Score",
    "Weights",
    "WorkflowScore",
    "compute",
    "default_weights",
    "dimension_scores",
    "grade_for",
    "overall_score",
    "reach",
]


@dataclass(frozen=True)
class Weights:
    severity: Mapping[str, float]
    dimensions: Mapping[str, float]
    grades: Sequence[tuple[str, float]]
    duplicate: float = 1.0
    #: Fields through which a record can be reached, and the finding code of a record
    #: that has none usable (rules/scoring.yaml `reach`).
    reach_fields: tuple[str, ...] = ("email", "phone", "mobile_phone")
    unreachable_code: str = "contact.unreachable"


@cache
def default_weights() -> Weights:
    doc = rules_yaml("scoring.yaml")
    grades = sorted(((str(g), float(v)) for g, v in doc["grades"].items()), key=lambda x: -x[1])
    return Weights(
        severity={k: float(v) for k, v in doc["severity_weights"].items()},
        dimensions={k: float(v) for k, v in doc["dimension_weights"].items()},
        grades=grades,
        duplicate=float(doc.get("duplicate_weight", 1.0)),
        reach_fields=tuple(str(f) for f in doc["reach"]["fields"]),
        unreachable_code=str(doc["reach"]["unreachable"]),
    )


@dataclass
class Score:
    overall: float
    grade: str
    dimensions: dict[str, float]
    workflows: dict[str, WorkflowScore] = field(default_factory=dict)
    #: Dimension -> why nothing in the data could measure it (its score is then 100 by
    #: default, and the reports say so rather than let it pass for a clean bill).
    unmeasured: dict[str, str] = field(default_factory=dict)
    #: Share of the records with a usable email or phone, 0 to 1 (the overall score is at
    #: most 100 times it).
    reachable: float = 1.0
    #: Why the overall score was capped below the dimensions' weighted mean ("" if it was not).
    capped: str = ""
    #: The `--fail-under` gate, when one was asked for.
    gate: Gate | None = None

    @property
    def ready_count(self) -> int:
        return sum(w.ready for w in self.workflows.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "grade": self.grade,
            "dimensions": dict(self.dimensions),
            "workflows": {k: w.to_dict() for k, w in self.workflows.items()},
            "unmeasured": dict(self.unmeasured),
            "reachable": self.reachable,
            "capped": self.capped,
            "gate": None if self.gate is None else self.gate.to_dict(),
        }


@dataclass(frozen=True)
class Reach:
    """How many records can be reached, and why the rest cannot."""

    records: int
    reachable: int
    #: Sources with no column for any reach field (none of their records can be reached).
    no_channel: tuple[str, ...] = ()

    @property
    def share(self) -> float:
        return self.reachable / self.records if self.records else 0.0

    def cap_reason(self) -> str:
        """Why the overall score is capped, in words."""
        if not self.records:
            return "there are no records"
        if self.no_channel and self.reachable == 0:
            names = ", ".join(self.no_channel)
            return f"no email or phone column in {names}: nobody can be mailed or called"
        return (
            f"only {self.reachable:,} of {counted(self.records, 'record')} ({self.share:.1%}) "
            f"{'has' if self.reachable == 1 else 'have'} a usable email or phone"
        )


def grade_for(score: float, weights: Weights) -> str:
    for g, lowest in weights.grades:
        if score >= lowest:
            return g
    return weights.grades[-1][0]


def _filled(like: np.ndarray, value: Any) -> np.ndarray:
    return np.full(len(like), value)


def _penalty_sum(
    rows: _Rows, src: np.ndarray, pos: np.ndarray, weight: np.ndarray
) -> float:
    """Sum over records of each record's largest weight; a column-level finding (pos -1)
    weighs on every record of its source."""
    if not len(src):
        return 0.0
    whole = pos < 0
    floor = np.zeros(len(rows.sizes), dtype=float)
    if whole.any():
        floor = np.full(len(rows.sizes), -np.inf)
        np.maximum.at(floor, src[whole], weight[whole])
        floor = np.where(np.isinf(floor), 0.0, floor)
    worst = np.full(rows.n, -np.inf)
    np.maximum.at(worst, rows.offset[src[~whole]] + pos[~whole], weight[~whole])
    each = np.repeat(floor, rows.sizes)
    return float(np.where(np.isinf(worst), each, np.maximum(worst, each)).sum())


def dimension_scores(
    findings: pd.DataFrame,
    sources: Sequence[Source],
    duplicates: Sequence[DuplicateSet] = (),
    weights: Weights | None = None,
) -> dict[str, float]:
    n = sum(s.rows for s in sources)
    penalties = dimension_penalties(findings, sources, duplicates, weights)
    return {dim: penalty_score(p, n) for dim, p in penalties.items()}


def penalty_score(penalty: float, records: int) -> float:
    """A dimension's score from the sum of its records' penalties. The sum is rounded first
    (to far below what the score shows): added up in another order (blocks of records) it
    differs in the last bits, and must not move a score sitting on a rounding edge."""
    penalty = round(penalty, 9)
    return round(100.0 if records == 0 else 100.0 * max(0.0, 1.0 - penalty / records), 1)


def dimension_penalties(
    findings: pd.DataFrame,
    sources: Sequence[Source],
    duplicates: Sequence[DuplicateSet] = (),
    weights: Weights | None = None,
) -> dict[str, float]:
    """Per dimension, the sum over records of each record's worst weight: a sum, so the
    penalties of disjoint sets of records (the Spark engine's partitions) add up."""
    weights = weights or default_weights()
    rows = _Rows(sources)
    out: dict[str, float] = {}
    src = rows.src(findings["source"])
    pos = findings["pos"].to_numpy(dtype=np.int64)
    sev = per_category(findings["severity"], lambda c: weights.severity.get(c, 0.0), 0.0)
    dims = findings["dimension"].astype("category").cat
    dim_codes = dims.codes.to_numpy()
    for dim in DIMENSIONS:
        sel = dim_codes == (dims.categories.get_loc(dim) if dim in dims.categories else -2)
        sel &= src >= 0
        s, p, w = src[sel], pos[sel], sev[sel]
        if dim == "uniqueness" and duplicates:
            dup = [d for d in duplicates if d.source in rows.index]
            s = np.concatenate([s, *[_filled(d.positions, rows.index[d.source]) for d in dup]])
            p = np.concatenate([p, *[np.asarray(d.positions, dtype=np.int64) for d in dup]])
            w = np.concatenate([w, *[_filled(d.positions, weights.duplicate) for d in dup]])
        out[dim] = _penalty_sum(rows, s, p, w)
    return out


def overall_score(dimensions: Mapping[str, float], weights: Weights | None = None) -> float:
    weights = weights or default_weights()
    total = sum(weights.dimensions.get(d, 0.0) for d in dimensions)
    if total == 0:
        return 100.0
    value = sum(dimensions[d] * weights.dimensions.get(d, 0.0) for d in dimensions) / total
    return round(value, 1)


#: The findings columns scoring reads; the text ones are few distinct values.
_SCORED = ("code", "severity", "dimension", "source", "field")


def scoring_frame(findings: pd.DataFrame) -> pd.DataFrame:
    """The columns scoring reads (the local score, and each Spark block's), text as
    categoricals: seven workflows and six dimensions
    each select from up to a million findings, and a test or map on a categorical looks at
    its few categories only."""
    cols: dict[str, Any] = {
        c: findings[c].astype("category") for c in _SCORED if c in findings.columns
    }
    cols["pos"] = findings["pos"].to_numpy(dtype=np.int64)
    return pd.DataFrame(cols, index=findings.index)


def reach(findings: pd.DataFrame, sources: Sequence[Source], weights: Weights) -> Reach:
    """Records with a usable email or phone: those of sources with a reach column and no
    unreachable finding (a whole-column one counts against every record of its source)."""
    rows = _Rows(sources)
    no_channel = tuple(s.name for s in sources if not any(s.has(f) for f in weights.reach_fields))
    out = np.zeros(rows.n, dtype=bool)
    for s in sources:
        if s.name in no_channel:
            i = rows.index[s.name]
            out[rows.offset[i] : rows.offset[i] + rows.sizes[i]] = True
    hit = (findings["code"] == weights.unreachable_code).to_numpy(dtype=bool)
    if hit.any():
        src = rows.src(findings["source"])[hit]
        pos = findings["pos"].to_numpy(dtype=np.int64)[hit]
        keep = src >= 0
        src, pos = src[keep], pos[keep]
        for i in np.unique(src[pos < 0]).tolist():
            out[rows.offset[i] : rows.offset[i] + rows.sizes[i]] = True
        out[rows.offset[src[pos >= 0]] + pos[pos >= 0]] = True
    return Reach(records=rows.n, reachable=rows.n - int(out.sum()), no_channel=no_channel)


def capped_overall(mean: float, where: Reach) -> tuple[float, str]:
    """The overall score: the dimensions' weighted mean, at most 100 x the reachable share
    (with the reason when that cap lowers it)."""
    cap = round(100.0 * where.share, 1)
    if cap < mean:
        return cap, where.cap_reason()
    return mean, ""


def compute(
    findings: pd.DataFrame,
    sources: Sequence[Source],
    workflows: Sequence[Workflow],
    kinds: Mapping[str, str],
    duplicates: Sequence[DuplicateSet] = (),
    titles: Mapping[str, str] | None = None,
    weights: Weights | None = None,
    asked: Sequence[str] | None = None,
) -> Score:
    """The score of the findings on `sources`. `asked`: the workflows the user named (by
    default none: every workflow is scored, and one that needs an export nobody gave is set
    aside as NEEDS_SOURCE rather than listed as something to fix)."""
    weights = weights or default_weights()
    findings = scoring_frame(findings)
    dims = dimension_scores(findings, sources, duplicates, weights)
    where = reach(findings, sources, weights)
    overall, capped = capped_overall(overall_score(dims, weights), where)
    blanks: dict[tuple[str, str], np.ndarray] = {}
    named = set(asked or ())
    wfs = {
        wf.name: workflow_score(
            wf, findings, sources, kinds, duplicates, titles, blanks, wf.name in named
        )
        for wf in workflows
    }
    return Score(
        overall=overall,
        grade=grade_for(overall, weights),
        dimensions=dims,
        workflows=wfs,
        reachable=round(where.share, 4),
        capped=capped,
    )
