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


class _Rows:
    """Every record of the audited sources numbered 0..N-1, source after source: a
    finding's record is `offset[src] + pos`."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.index = {s.name: i for i, s in enumerate(sources)}
        self.sizes = np.array([s.rows for s in sources], dtype=np.int64)
        self.offset = np.concatenate(([0], np.cumsum(self.sizes)[:-1])).astype(np.int64)
        self.n = int(self.sizes.sum())

    def src(self, column: pd.Series) -> np.ndarray:
        """Source number of each finding (-1: not an audited source)."""
        return _per_category(column, lambda name: self.index.get(name, -1), -1)


def _per_category(column: pd.Series, fn: Any, missing: Any) -> np.ndarray:
    """`fn` of each row's text, computed once per category (`missing` where there is none)."""
    cats = column.astype("category").cat
    values = [fn(str(c)) for c in cats.categories] + [missing]
    return np.asarray(values)[cats.codes.to_numpy()]


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
    weights = weights or default_weights()
    rows = _Rows(sources)
    out: dict[str, float] = {}
    src = rows.src(findings["source"])
    pos = findings["pos"].to_numpy(dtype=np.int64)
    sev = _per_category(findings["severity"], lambda c: weights.severity.get(c, 0.0), 0.0)
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
        penalty = _penalty_sum(rows, s, p, w)
        score = 100.0 if rows.n == 0 else 100.0 * max(0.0, 1.0 - penalty / rows.n)
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
) -> list[tuple[str, int, np.ndarray]]:
    """Records where none of a `requires_any` group's fields holds a value (e.g. no opt-in),
    as (group, source number, positions).

    `blanks` keeps each (source, field)'s blank mask for the next workflow to reuse."""
    blanks = {} if blanks is None else blanks
    out = []
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
                out.append(("|".join(group), index[s.name], pos))
    return out


def _field_label(categories: pd.Index, code: int) -> str:
    return str(categories[code - 1]) if code else ""


def _finding_groups(
    findings: pd.DataFrame, take: np.ndarray
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Blocker group of each finding at `take`, numbered in order of first appearance, and
    the groups' (code, field): the field only for per-field codes, "" for the others."""
    codes = findings["code"].astype("category").cat
    fields = findings["field"].astype("category").cat
    width = len(fields.categories) + 1
    c = codes.codes.to_numpy()[take].astype(np.int64)
    per_field = np.isin(c, [i for i, x in enumerate(codes.categories) if x in _PER_FIELD])
    f = np.where(per_field, fields.codes.to_numpy()[take].astype(np.int64) + 1, 0)
    uniq, first, inverse = np.unique(c * width + f, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    labels = [
        (str(codes.categories[k // width]), _field_label(fields.categories, k % width))
        for k in uniq[order].tolist()
    ]
    return rank[inverse.reshape(-1)], labels


def _blocked_counts(
    rows: _Rows, sizes: np.ndarray, group: np.ndarray, src: np.ndarray, pos: np.ndarray, ng: int
) -> tuple[np.ndarray, int]:
    """Records each blocker group blocks, and records blocked in all: a record counts once,
    a column-level row (pos -1) blocks every record of its source (`sizes`: the records of
    each source that count, 0 for the others)."""
    whole_rows = pos < 0
    whole = np.zeros((ng, len(sizes)), dtype=bool)
    whole[group[whole_rows], src[whole_rows]] = True
    rec = rows.offset[src] + pos
    part = ~whole_rows & ~whole[group, src]
    # Distinct records per group: a mark per record, group after group (a hash of
    # (group, record) keys cost 0.6 s over seven workflows at 1.3M findings).
    g = group[part]
    order = np.argsort(g, kind="stable")
    sorted_rec = rec[part][order]
    bounds = np.concatenate(([0], np.cumsum(np.bincount(g, minlength=ng))))
    per_group = whole.astype(np.int64) @ sizes
    mark = np.zeros(rows.n, dtype=bool)
    for k in range(ng):
        if bounds[k + 1] > bounds[k]:
            mark[:] = False
            mark[sorted_rec[bounds[k] : bounds[k + 1]]] = True
            per_group[k] += int(np.count_nonzero(mark))
    whole_src = np.asarray(whole.any(axis=0), dtype=bool)
    mark[:] = False
    mark[rec[~whole_rows & ~whole_src[src]]] = True
    return per_group, int(mark.sum()) + int(sizes[whole_src].sum())


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
    rows = _Rows(sources)
    index = rows.index
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
    take = np.flatnonzero(sel.to_numpy(dtype=bool))
    group, labels = _finding_groups(findings, take)
    groups, srcs = [group], [rows.src(findings["source"])[take]]
    poss = [findings["pos"].to_numpy(dtype=np.int64)[take]]
    extra: list[tuple[tuple[str, str], int, np.ndarray]] = [
        (("any", g), i, p) for g, i, p in _any_blank_keys(wf, applicable, index, shut, blanks)
    ]
    if wf.blocking_duplicates:
        extra += [
            (("duplicates", ""), index[d.source], np.asarray(d.positions, dtype=np.int64))
            for d in duplicates
            if d.source in names
        ]
    number = {lab: k for k, lab in enumerate(labels)}
    for lab, i, p in extra:
        if lab not in number:
            number[lab] = len(labels)
            labels.append(lab)
        groups.append(np.full(len(p), number[lab], dtype=np.int64))
        srcs.append(np.full(len(p), i, dtype=np.int64))
        poss.append(p)
    sizes = np.zeros(len(sources), dtype=np.int64)
    for s in applicable:
        if s.name in names:
            sizes[index[s.name]] = s.rows
    group_of, src_of, pos_of = (np.concatenate(x) for x in (groups, srcs, poss))
    per_group, blocked = _blocked_counts(rows, sizes, group_of, src_of, pos_of, len(labels))
    blockers = list(col_blockers)
    for (bcode, fname), n in zip(labels, per_group.tolist(), strict=True):
        blockers.append(
            {
                "code": bcode,
                "field": fname,
                "records": int(n),
                "title": _blocker_title(bcode, fname, titles),
            }
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
