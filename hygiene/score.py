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
    #: Machine-readable blockers, structural first then most records first: `code` is a
    #: finding code, or "column" (a source lacks a needed column), "link" (a needed export
    #: is not linked), "any" (no field of a requires_any group is filled), "duplicates";
    #: `field` names the field (or link) where it matters; `records`, `share`, `title`.
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
    #: Dimension -> why nothing in the data could measure it (its score is then 100 by
    #: default, and the reports say so rather than let it pass for a clean bill).
    unmeasured: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "grade": self.grade,
            "dimensions": dict(self.dimensions),
            "workflows": {k: w.to_dict() for k, w in self.workflows.items()},
            "unmeasured": dict(self.unmeasured),
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


def _blank(values: pd.Series) -> np.ndarray:
    """True where a cell is missing or only whitespace (what an export leaves for "no value")."""
    filled = values.notna() & values.astype("str").str.strip().ne("")
    return ~filled.fillna(False).to_numpy(dtype=bool)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _structural(
    wf: Workflow, applicable: Sequence[Source], sources: Sequence[Source], kinds: Mapping[str, str]
) -> tuple[list[str], list[dict[str, Any]], set[str], bool]:
    """What keeps whole sources (or the whole workflow) out: missing columns, missing links.

    Returns the sentences, their blocker records, the names of sources that cannot enter
    and whether a needed link is missing (then no record can).
    """
    words: list[str] = []
    blockers: list[dict[str, Any]] = []
    out: set[str] = set()
    for s in applicable:
        absent = [f for f in wf.requires if not s.has(f)]
        absent += [
            " or ".join(group) for group in wf.requires_any if not any(s.has(f) for f in group)
        ]
        for f in absent:
            words.append(
                f"{s.name} has no column for {f}: its {s.rows:,} records cannot enter "
                f"(map one with --map {s.name}:COLUMN={f.split(' or ')[0]})"
            )
            blockers.append(
                {
                    "code": "column",
                    "field": f,
                    "source": s.name,
                    "records": s.rows,
                    "title": f"no column for {f} in {s.name}",
                }
            )
        if absent:
            out.add(s.name)
    missing_links = [
        needed
        for needed in wf.needs_links
        if needed not in {s.name for s in sources} and needed not in kinds.values()
    ]
    for needed in missing_links:
        words.append(f"no {needed} export is linked; add it as a source ({needed}=FILE)")
        blockers.append(
            {
                "code": "link",
                "field": needed,
                "records": sum(s.rows for s in applicable),
                "title": f"no {needed} export is linked",
            }
        )
    return words, blockers, out, bool(missing_links)


def _any_blank_keys(
    wf: Workflow,
    applicable: Sequence[Source],
    index: Mapping[str, int],
    skip: set[str],
    blanks: dict[tuple[str, str], np.ndarray] | None = None,
) -> pd.DataFrame:
    """Records where none of a `requires_any` group's fields holds a value (e.g. no opt-in).

    `blanks` keeps each (source, field)'s blank mask for the next workflow to reuse."""
    blanks = {} if blanks is None else blanks
    frames = []
    for s in applicable:
        if s.name in skip:
            continue
        for group in wf.requires_any:
            present = [f for f in group if s.has(f)]
            if not present:
                continue
            blank = np.ones(s.rows, dtype=bool)
            for f in present:
                if (s.name, f) not in blanks:
                    blanks[(s.name, f)] = _blank(s.data[s.fields[f]])
                blank &= blanks[(s.name, f)]
            pos = np.flatnonzero(blank)
            if len(pos):
                frames.append(
                    pd.DataFrame(
                        {"src": index[s.name], "pos": pos, "code": "any", "field": "|".join(group)}
                    )
                )
    if not frames:
        return pd.DataFrame({"src": [], "pos": [], "code": [], "field": []})
    return pd.concat(frames, ignore_index=True)


#: Blocker keys that are not finding codes: a missing column, a missing link.
_STRUCTURAL = ("column", "link")

#: Codes reported once per field: a blocker says which field is empty, not just "a field".
_PER_FIELD = ("field.missing_required",)


def _blocker_title(code: str, field_name: str, titles: Mapping[str, str]) -> str:
    if code == "duplicates":
        return "duplicate records"
    if code == "any":
        return "none of " + ", ".join(map(_label, field_name.split("|"))) + " is filled"
    if code in _PER_FIELD and field_name:
        return f"{_label(field_name)} is empty"
    return titles.get(code, code)


def workflow_score(
    wf: Workflow,
    findings: pd.DataFrame,
    sources: Sequence[Source],
    kinds: Mapping[str, str],
    duplicates: Sequence[DuplicateSet] = (),
    titles: Mapping[str, str] | None = None,
    blanks: dict[tuple[str, str], np.ndarray] | None = None,
) -> WorkflowScore:
    """Share of the workflow's records that nothing blocks, and what blocks the rest.

    A record is blocked by a blocking finding on it, by a duplicate (where the profile says
    so), by an empty `requires_any` group, or by its source lacking a column the workflow
    needs; a missing link (`needs_links`) blocks every record.
    """
    titles = titles or {}
    applicable = [s for s in sources if kinds.get(s.name, "crm") in wf.applies_to]
    records = sum(s.rows for s in applicable)
    index = {s.name: i for i, s in enumerate(sources)}
    words, col_blockers, shut, link_missing = _structural(wf, applicable, sources, kinds)
    names = {s.name for s in applicable} - shut
    code = findings["code"]
    # A record missing a field the workflow requires is blocked whatever `blocking` lists;
    # missing-field findings block only the workflows that need that field; a missing
    # column is judged above from the sources themselves, once per source.
    missing = code.eq("field.missing_required") | code.eq("email.missing")
    sel = code.isin(wf.blocking) | (missing & findings["field"].isin(wf.requires))
    sel &= findings["source"].isin(names) & code.ne("field.missing_column")
    sel &= ~missing | findings["field"].isin(wf.requires)
    blocking = findings[sel]
    per_field = blocking["code"].isin(_PER_FIELD).to_numpy(dtype=bool)
    keys = pd.DataFrame(
        {
            "src": blocking["source"].map(index).to_numpy(dtype=np.int64),
            "pos": blocking["pos"].to_numpy(dtype=np.int64),
            "code": blocking["code"].to_numpy(dtype=object),
            "field": np.where(per_field, blocking["field"].to_numpy(dtype=object), ""),
        }
    )
    extra = [_any_blank_keys(wf, applicable, index, shut, blanks)]
    if wf.blocking_duplicates:
        extra += [
            pd.DataFrame(
                {"src": index[d.source], "pos": d.positions, "code": "duplicates", "field": ""}
            )
            for d in duplicates
            if d.source in names
        ]
    keys = pd.concat([keys, *[e for e in extra if len(e)]], ignore_index=True)
    sizes = {index[s.name]: s.rows for s in applicable if s.name in names}
    blockers = list(col_blockers)
    for (code, fname), grp in keys.groupby(["code", "field"], sort=False):
        whole = set(grp.loc[grp["pos"] < 0, "src"].astype(int))
        part = grp[(grp["pos"] >= 0) & ~grp["src"].isin(whole)].drop_duplicates(["src", "pos"])
        n = sum(sizes.get(i, 0) for i in whole) + len(part)
        blockers.append(
            {
                "code": str(code),
                "field": str(fname),
                "records": int(n),
                "title": _blocker_title(str(code), str(fname), titles),
            }
        )
    # A record blocked several times counts once; a column finding blocks its whole source.
    whole_sources = set(keys.loc[keys["pos"] < 0, "src"].astype(int))
    rows = keys[(keys["pos"] >= 0) & ~keys["src"].isin(whole_sources)]
    blocked = sum(sizes.get(i, 0) for i in whole_sources) + len(
        rows.drop_duplicates(["src", "pos"])
    )
    blocked += sum(s.rows for s in applicable if s.name in shut)
    if link_missing:
        blocked = records
    score = 0.0 if records == 0 else round(100.0 * (1.0 - blocked / records), 1)
    if records == 0:
        words.append("no source this workflow runs on (" + ", ".join(wf.applies_to) + ")")
    structural = [b for b in blockers if b["code"] in _STRUCTURAL]
    blockers = structural + sorted(
        (b for b in blockers if b["code"] not in _STRUCTURAL),
        key=lambda b: (-b["records"], b["title"]),
    )
    for b in blockers:
        share = b["records"] / records if records else 0.0
        b["share"] = round(share, 4)
        if b["code"] in _STRUCTURAL:
            continue
        label = "records" if b["records"] != 1 else "record"
        code = "" if b["code"] in ("any", "duplicates") else f" ({b['code']})"
        words.append(f"{b['records']:,} {label} ({share:.1%}): {b['title']}{code}")
    intolerable = [
        b for b in blockers if b["code"] in wf.zero_tolerance and b["records"] > 0
    ]
    for b in intolerable:
        words.insert(
            0,
            f"{b['records']:,} {b['title'].lower()} ({b['code']}) must be fixed or excluded "
            "before launch, whatever the score",
        )
    ready = not link_missing and records > 0 and score >= wf.ready_at and not intolerable
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


#: The findings columns scoring reads; the text ones are few distinct values.
_SCORED = ("code", "severity", "dimension", "source", "field")


def _compact(findings: pd.DataFrame) -> pd.DataFrame:
    """The columns scoring reads, text as categoricals: seven workflows and six dimensions
    each select from up to a million findings, and a test or map on a categorical looks at
    its few categories only (1.3M findings: 4.6 s -> 1.4 s)."""
    cols: dict[str, Any] = {
        c: findings[c].astype("category") for c in _SCORED if c in findings.columns
    }
    cols["pos"] = findings["pos"].to_numpy(dtype=np.int64)
    return pd.DataFrame(cols, index=findings.index)


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
    findings = _compact(findings)
    dims = dimension_scores(findings, sources, duplicates, weights)
    overall = overall_score(dims, weights)
    blanks: dict[tuple[str, str], np.ndarray] = {}
    wfs = {
        wf.name: workflow_score(wf, findings, sources, kinds, duplicates, titles, blanks)
        for wf in workflows
    }
    return Score(overall=overall, grade=grade_for(overall, weights), dimensions=dims, workflows=wfs)
