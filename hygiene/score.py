"""The readiness score: six dimensions, an overall score and grade, and per-workflow readiness.

Weights come from rules/scoring.yaml. A record's penalty in a dimension is the weight of its
worst finding there; a dimension scores 100 x (1 - mean penalty). The same findings always
give the same score, more defects a lower one, and data with no findings scores 100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .model import DIMENSIONS, Source
from .resources import rules_yaml
from .workflows import Workflow


@dataclass(frozen=True)
class Weights:
    severity: Mapping[str, float]
    dimensions: Mapping[str, float]
    grades: Sequence[tuple[str, float]]
    duplicate: float = 1.0


@cache
def default_weights() -> Weights:
    doc = rules_yaml("scoring.yaml")
    grades = sorted(((str(g), float(v)) for g, v in doc["grades"].items()), key=lambda x: -x[1])
    return Weights(
        severity={k: float(v) for k, v in doc["severity_weights"].items()},
        dimensions={k: float(v) for k, v in doc["dimension_weights"].items()},
        grades=grades,
        duplicate=float(doc.get("duplicate_weight", 1.0)),
    )


@dataclass
class WorkflowScore:
    """Readiness of one workflow: its score, whether it is ready, and why not."""

    name: str
    title: str
    score: float
    ready: bool
    records: int
    blocked: int
    blockers: list[str] = field(default_factory=list)
    #: Machine-readable blockers: code (or a reason key), records, share, title.
    blocker_counts: list[dict[str, Any]] = field(default_factory=list)
    ready_at: float = 90.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "ready": self.ready,
            "blockers": list(self.blockers),
            "title": self.title,
            "records": self.records,
            "blocked_records": self.blocked,
            "ready_at": self.ready_at,
        }


@dataclass
class Score:
    overall: float
    grade: str
    dimensions: dict[str, float]
    workflows: dict[str, WorkflowScore] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "grade": self.grade,
            "dimensions": dict(self.dimensions),
            "workflows": {k: w.to_dict() for k, w in self.workflows.items()},
        }


@dataclass(frozen=True)
class DuplicateSet:
    """Redundant records of one source: cluster members other than the survivor."""

    source: str
    positions: np.ndarray


def grade_for(score: float, weights: Weights) -> str:
    for g, lowest in weights.grades:
        if score >= lowest:
            return g
    return weights.grades[-1][0]


def _record_keys(findings: pd.DataFrame, sources: Sequence[Source]) -> pd.DataFrame:
    """(source index, position) per finding; column findings expand to every row of their source."""
    index = {s.name: i for i, s in enumerate(sources)}
    src = findings["source"].map(index).to_numpy(dtype=np.int64)
    pos = findings["pos"].to_numpy(dtype=np.int64)
    return pd.DataFrame({"src": src, "pos": pos})


def _penalty_sum(keys: pd.DataFrame, weight: np.ndarray, sizes: Sequence[int]) -> float:
    """Sum over records of each record's largest weight (column-level rows count everywhere)."""
    if not len(keys):
        return 0.0
    frame = keys.assign(w=weight)
    total = 0.0
    whole = frame[frame["pos"] < 0]
    per_source_floor = whole.groupby("src")["w"].max().to_dict() if len(whole) else {}
    rows = frame[frame["pos"] >= 0]
    worst = rows.groupby(["src", "pos"])["w"].max() if len(rows) else pd.Series(dtype=float)
    for i, n in enumerate(sizes):
        floor = float(per_source_floor.get(i, 0.0))
        if i in worst.index.get_level_values(0):
            w = worst.xs(i, level="src").to_numpy()
            total += float(np.maximum(w, floor).sum()) + floor * (n - len(w))
        else:
            total += floor * n
    return total


def dimension_scores(
    findings: pd.DataFrame,
    sources: Sequence[Source],
    duplicates: Sequence[DuplicateSet] = (),
    weights: Weights | None = None,
) -> dict[str, float]:
    weights = weights or default_weights()
    sizes = [s.rows for s in sources]
    total_rows = sum(sizes)
    out: dict[str, float] = {}
    keys = _record_keys(findings, sources)
    sev = findings["severity"].map(weights.severity).fillna(0.0).to_numpy(dtype=float)
    dims = findings["dimension"].to_numpy()
    for dim in DIMENSIONS:
        sel = dims == dim
        penalty = _penalty_sum(keys[sel], sev[sel], sizes)
        if dim == "uniqueness" and duplicates:
            index = {s.name: i for i, s in enumerate(sources)}
            dup_keys = pd.concat(
                [pd.DataFrame({"src": index[d.source], "pos": d.positions}) for d in duplicates],
                ignore_index=True,
            )
            both = pd.concat([keys[sel], dup_keys], ignore_index=True)
            w = np.concatenate([sev[sel], np.full(len(dup_keys), weights.duplicate)])
            penalty = _penalty_sum(both, w, sizes)
        score = 100.0 if total_rows == 0 else 100.0 * max(0.0, 1.0 - penalty / total_rows)
        out[dim] = round(score, 1)
    return out


def overall_score(dimensions: Mapping[str, float], weights: Weights | None = None) -> float:
    weights = weights or default_weights()
    total = sum(weights.dimensions.get(d, 0.0) for d in dimensions)
    if total == 0:
        return 100.0
    value = sum(dimensions[d] * weights.dimensions.get(d, 0.0) for d in dimensions) / total
    return round(value, 1)


def workflow_score(
    wf: Workflow,
    findings: pd.DataFrame,
    sources: Sequence[Source],
    kinds: Mapping[str, str],
    duplicates: Sequence[DuplicateSet] = (),
    titles: Mapping[str, str] | None = None,
) -> WorkflowScore:
    """Share of the workflow's records that no blocking finding touches, and what blocks it."""
    titles = titles or {}
    applicable = [s for s in sources if kinds.get(s.name, "crm") in wf.applies_to]
    records = sum(s.rows for s in applicable)
    names = {s.name for s in applicable}
    blockers: list[dict[str, Any]] = []
    structural: list[str] = []
    for s in applicable:
        for f in wf.requires:
            if not s.has(f):
                structural.append(f"{s.name} has no column for {f}, which every record needs")
        for group in wf.requires_any:
            if not any(s.has(f) for f in group):
                structural.append(f"{s.name} has no column for any of {', '.join(group)}")
    for needed in wf.needs_links:
        if needed not in {s.name for s in sources} and needed not in kinds.values():
            structural.append(f"no {needed} export is linked; add it as a source ({needed}=FILE)")
    sel = findings["source"].isin(names) & findings["code"].isin(wf.blocking)
    # Missing-field findings block only the workflows that need that field.
    field_codes = findings["code"].isin(["field.missing_required", "field.missing_column"])
    sel &= ~field_codes | findings["field"].isin(wf.requires)
    blocking = findings[sel]
    index = {s.name: i for i, s in enumerate(sources)}
    keys = pd.DataFrame(
        {
            "src": blocking["source"].map(index).to_numpy(dtype=np.int64),
            "pos": blocking["pos"].to_numpy(dtype=np.int64),
            "code": blocking["code"].to_numpy(),
        }
    )
    if wf.blocking_duplicates:
        for d in duplicates:
            if d.source in names:
                keys = pd.concat(
                    [
                        keys,
                        pd.DataFrame(
                            {"src": index[d.source], "pos": d.positions, "code": "duplicates"}
                        ),
                    ],
                    ignore_index=True,
                )
    sizes = {index[s.name]: s.rows for s in applicable}
    for code, grp in keys.groupby("code", sort=False):
        whole = set(grp.loc[grp["pos"] < 0, "src"].astype(int))
        part = grp[(grp["pos"] >= 0) & ~grp["src"].isin(whole)].drop_duplicates(["src", "pos"])
        n = sum(sizes.get(i, 0) for i in whole) + len(part)
        blockers.append({"code": str(code), "records": int(n)})
    # A record blocked by several findings counts once; a column finding blocks its whole source.
    whole_sources = set(keys.loc[keys["pos"] < 0, "src"].astype(int))
    rows = keys[(keys["pos"] >= 0) & ~keys["src"].isin(whole_sources)]
    blocked = sum(sizes.get(i, 0) for i in whole_sources) + len(
        rows.drop_duplicates(["src", "pos"])
    )
    if structural:
        blocked = records
    score = 0.0 if records == 0 else round(100.0 * (1.0 - blocked / records), 1)
    if records == 0:
        structural.append("no source this workflow runs on (" + ", ".join(wf.applies_to) + ")")
    blockers.sort(key=lambda b: -b["records"])
    words = list(structural)
    for b in blockers:
        share = b["records"] / records if records else 0.0
        b["share"] = round(share, 4)
        b["title"] = (
            "duplicate records" if b["code"] == "duplicates" else titles.get(b["code"], b["code"])
        )
        label = "records" if b["records"] != 1 else "record"
        words.append(f"{b['records']:,} {label} ({share:.1%}): {b['title']} ({b['code']})")
    ready = not structural and score >= wf.ready_at
    return WorkflowScore(
        name=wf.name,
        title=wf.title,
        score=score,
        ready=ready,
        records=records,
        blocked=blocked,
        blockers=words,
        blocker_counts=blockers,
        ready_at=wf.ready_at,
    )


def compute(
    findings: pd.DataFrame,
    sources: Sequence[Source],
    workflows: Sequence[Workflow],
    kinds: Mapping[str, str],
    duplicates: Sequence[DuplicateSet] = (),
    titles: Mapping[str, str] | None = None,
    weights: Weights | None = None,
) -> Score:
    weights = weights or default_weights()
    dims = dimension_scores(findings, sources, duplicates, weights)
    overall = overall_score(dims, weights)
    wfs = {
        wf.name: workflow_score(wf, findings, sources, kinds, duplicates, titles)
        for wf in workflows
    }
    return Score(overall=overall, grade=grade_for(overall, weights), dimensions=dims, workflows=wfs)
