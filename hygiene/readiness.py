"""Workflow readiness: what blocks each record from a workflow, the workflow's score, whether
it is ready, why not, and the gate (`--fail-under`) that reads the same answer.

One definition of ready, which every output reads from here: a workflow is ready when its
score reaches its line (`ready_at`, or the gate's threshold when the workflows are gated), it
has records to run on, no source it needs is missing, and no zero-tolerance blocker is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .model import Source
from .words import counted
from .workflows import Workflow

#: Blocker codes that are not finding codes and keep whole sources (or the whole workflow)
#: out: a needed export that is missing, a source lacking a needed column, no source at all.
STRUCTURAL = ("link", "column", "source")
#: Blocker codes that are not finding codes (shown without a code in the reports).
NOT_FINDINGS = (*STRUCTURAL, "any", "duplicates")
#: Readiness states: ready; not ready; or needs a source the user did not give, for a
#: workflow nobody asked for (cart recovery without a store export).
READY, NOT_READY, NEEDS_SOURCE = "ready", "not_ready", "needs_source"

#: Codes reported once per field: a blocker says which field is empty, not just "a field".
_PER_FIELD = ("field.missing_required",)


@dataclass(frozen=True)
class DuplicateSet:
    """Redundant records of one source: cluster members other than the survivor."""

    source: str
    positions: np.ndarray


@dataclass(frozen=True)
class Blocker:
    """One reason records cannot enter a workflow.

    `code` is a finding code, or "link" (a needed export is missing), "column" (a source
    lacks a needed column), "source" (no source the workflow runs on), "any" (no field of a
    requires_any group is filled), "duplicates" (redundant duplicate records).
    """

    code: str
    title: str
    records: int
    share: float = 0.0
    #: The field (or link) where it matters; for "any" the group joined by "|".
    field: str = ""
    #: The source it concerns (missing columns only).
    source: str = ""
    #: A single one keeps the workflow from being ready, whatever the score.
    zero_tolerance: bool = False

    @property
    def structural(self) -> bool:
        return self.code in STRUCTURAL

    @property
    def finding_code(self) -> str:
        """The finding code, or "" for a blocker that is not a finding."""
        return "" if self.code in NOT_FINDINGS else self.code

    def sort_key(self) -> tuple[int, int, str]:
        """The one blocker order every output uses: first what keeps the workflow from
        being ready whatever its score (a missing export, a missing column, a zero-tolerance
        finding), then the rest; within each, most records first, then by title."""
        return (0 if self.structural or self.zero_tolerance else 1, -self.records, self.title)

    def short(self) -> str:
        """"66: opted out in one system ... (zero tolerance)": for a table cell."""
        mark = " (zero tolerance)" if self.zero_tolerance else ""
        return f"{self.records:,}: {self.title}{mark}"

    def sentence(self) -> str:
        """The blocker in words, as audit.json's `blockers` and the terminal list it."""
        if self.code == "link":
            return f"no {self.field} export is linked; add it as a source ({self.field}=FILE)"
        if self.code == "column":
            return (
                f"{self.source} has no column for {self.field}: its "
                f"{counted(self.records, 'record')} "
                f"cannot enter (map one with --map {self.source}:COLUMN="
                f"{self.field.split(' or ')[0]})"
            )
        if self.code == "source":
            return self.title
        label = "records" if self.records != 1 else "record"
        code = f" ({self.finding_code})" if self.finding_code else ""
        text = f"{self.records:,} {label} ({self.share:.1%}): {self.title}{code}"
        if self.zero_tolerance:
            text += "; none may be left: fix or exclude them before launch, whatever the score"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "source": self.source,
            "records": self.records,
            "share": self.share,
            "title": self.title,
            "zero_tolerance": self.zero_tolerance,
        }


@dataclass
class WorkflowScore:
    """Readiness of one workflow: its score, whether it is ready, and why not."""

    name: str
    title: str
    score: float
    ready: bool
    records: int
    blocked: int
    #: The blockers, typed, in the one order every output uses (`Blocker.sort_key`).
    details: list[Blocker] = field(default_factory=list)
    ready_at: float = 90.0
    #: READY, NOT_READY or NEEDS_SOURCE (a needed export is missing and nobody asked for
    #: this workflow: it is shown apart, not as something to fix).
    status: str = NOT_READY
    #: Why it is not ready, in one sentence ("" when ready).
    reason: str = ""

    def ready_for(self, line: float) -> bool:
        """Ready at `line`: the score reaches it and nothing that ignores the score is left
        (a missing export or column of every source, no records, a zero-tolerance blocker)."""
        return not self.vetoed and self.score >= line

    @property
    def vetoed(self) -> bool:
        """Not ready whatever the score."""
        return (
            self.records == 0
            or self.blocked >= self.records
            or any(b.zero_tolerance or b.code in ("link", "source") for b in self.details)
        )

    @property
    def blockers(self) -> list[str]:
        """The blockers in words, one per `details` entry and in the same order."""
        return [b.sentence() for b in self.details]

    @property
    def needs(self) -> list[str]:
        """Exports the workflow needs and the audit did not get."""
        return [b.field for b in self.details if b.code == "link"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "ready": self.ready,
            "blockers": list(self.blockers),
            "title": self.title,
            "records": self.records,
            "blocked_records": self.blocked,
            "ready_at": self.ready_at,
            "status": self.status,
            "reason": self.reason,
            "needs": self.needs,
            "blocker_details": [b.to_dict() for b in self.details],
        }


def _structural(
    wf: Workflow, applicable: Sequence[Source], sources: Sequence[Source], kinds: Mapping[str, str]
) -> tuple[list[Blocker], set[str], bool]:
    """What keeps whole sources (or the whole workflow) out: missing columns, missing links.

    Returns their blockers, the names of sources that cannot enter and whether a needed
    link is missing (then no record can).
    """
    blockers: list[Blocker] = []
    out: set[str] = set()
    for s in applicable:
        absent = [f for f in wf.requires if not s.has(f)]
        absent += [
            " or ".join(group) for group in wf.requires_any if not any(s.has(f) for f in group)
        ]
        for f in absent:
            blockers.append(
                Blocker("column", f"no column for {f} in {s.name}", s.rows, field=f, source=s.name)
            )
        if absent:
            out.add(s.name)
    missing_links = [
        needed
        for needed in wf.needs_links
        if needed not in {s.name for s in sources} and needed not in kinds.values()
    ]
    total = sum(s.rows for s in applicable)
    for needed in missing_links:
        blockers.append(Blocker("link", f"no {needed} export is linked", total, field=needed))
    if not applicable:
        kinds_text = ", ".join(wf.applies_to)
        blockers.append(Blocker("source", f"no source this workflow runs on ({kinds_text})", 0))
    return blockers, out, bool(missing_links)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _blocker_title(code: str, field_name: str, titles: Mapping[str, str]) -> str:
    if code == "duplicates":
        return "duplicate records"
    if code == "any":
        return "none of " + ", ".join(map(_label, field_name.split("|"))) + " is filled"
    if code in _PER_FIELD and field_name:
        return f"{_label(field_name)} is empty"
    return titles.get(code, code)


def why_not_ready(w: WorkflowScore) -> str:
    """One sentence: why the workflow is not ready ("" when it is), above all when its
    score is over the line and the card would otherwise read as a contradiction."""
    if w.ready:
        return ""
    needs = w.needs
    if needs:
        names = " and ".join(needs)
        return f"Needs a {names} export: add it as a source ({needs[0]}=FILE) to score it."
    if w.records == 0:
        return "No source this workflow runs on was audited."
    hard = [b for b in w.details if b.zero_tolerance]
    if hard:
        what = "; ".join(
            f"{b.code} ({b.title.lower()}): {b.records:,} record{'s' if b.records != 1 else ''}"
            for b in hard
        )
        side = "over" if w.score >= w.ready_at else "under"
        return (
            f"Scores {w.score:.1f}, {side} its line of {w.ready_at:g}, but zero tolerance "
            f"applies to {what}. Fix or exclude them before launch."
        )
    top = next((b for b in w.details if b.records), None)
    most = f"; most are held back by: {top.title} ({top.records:,})" if top else ""
    return (
        f"Scores {w.score:.1f}, under its line of {w.ready_at:g}: {w.blocked:,} of "
        f"{counted(w.records, 'record')} {'is' if w.blocked == 1 else 'are'} blocked{most}."
    )


def workflow_score(
    wf: Workflow,
    findings: pd.DataFrame,
    sources: Sequence[Source],
    kinds: Mapping[str, str],
    duplicates: Sequence[DuplicateSet] = (),
    titles: Mapping[str, str] | None = None,
    blanks: dict[tuple[str, str], np.ndarray] | None = None,
    asked: bool = True,
) -> WorkflowScore:
    """Share of the workflow's records that nothing blocks, and what blocks the rest.

    A record is blocked by a blocking finding on it, by a duplicate (where the profile says
    so), by an empty `requires_any` group, or by its source lacking a column the workflow
    needs; a missing link (`needs_links`) blocks every record. `asked`: the user named this
    workflow (a missing export is then something to fix, not a workflow set aside).
    """
    titles = titles or {}
    applicable = [s for s in sources if kinds.get(s.name, "crm") in wf.applies_to]
    records = sum(s.rows for s in applicable)
    rows = _Rows(sources)
    index = rows.index
    structural, shut, link_missing = _structural(wf, applicable, sources, kinds)
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
    found = [
        Blocker(bcode, _blocker_title(bcode, fname, titles), int(n), field=fname)
        for (bcode, fname), n in zip(labels, per_group.tolist(), strict=True)
    ]
    blocked += sum(s.rows for s in applicable if s.name in shut)
    if link_missing:
        blocked = records
    score = 0.0 if records == 0 else round(100.0 * (1.0 - blocked / records), 1)
    details = sorted(
        (
            Blocker(
                b.code,
                b.title,
                b.records,
                share=round(b.records / records, 4) if records else 0.0,
                field=b.field,
                source=b.source,
                zero_tolerance=b.code in wf.zero_tolerance and b.records > 0,
            )
            for b in [*structural, *found]
        ),
        key=Blocker.sort_key,
    )
    out = WorkflowScore(
        name=wf.name,
        title=wf.title,
        score=score,
        ready=False,
        records=records,
        blocked=blocked,
        details=details,
        ready_at=wf.ready_at,
    )
    return settle(out, asked)


def settle(w: WorkflowScore, asked: bool = True) -> WorkflowScore:
    """`w` with `ready`, `status` and `reason` set from its score, line and blockers: the
    one place readiness is decided."""
    w.ready = w.ready_for(w.ready_at)
    w.status = READY if w.ready else NEEDS_SOURCE if w.needs and not asked else NOT_READY
    w.reason = why_not_ready(w)
    return w


@dataclass(frozen=True)
class Gate:
    """The outcome of `--fail-under`: what was gated, at what threshold, and what failed.

    With workflows named, the gate passes when every named workflow is ready at the
    threshold (the audit scores them against it, so audit.json agrees); without, it gates
    the overall score.
    """

    threshold: float
    #: Names of the gated workflows; empty when the overall score is gated.
    workflows: tuple[str, ...]
    passed: bool
    #: One phrase per failure: "welcome_email 93.1: 66 ... (zero tolerance)".
    failures: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        """0 when the gate passed, 1 when it failed: the code `hygiene audit` exits with."""
        return 0 if self.passed else 1

    def describe(self) -> str:
        """One line: what was gated, at what threshold, and the outcome."""
        if self.workflows:
            what = f"readiness of {', '.join(self.workflows)} at {self.threshold:g}"
            note = ""
        else:
            what = f"overall score at {self.threshold:g}"
            note = "; only the overall score is gated: --workflow W gates a workflow's readiness"
        if self.passed:
            return f"Gate passed: {what}{note}."
        return f"gate failed: {'; '.join(self.failures)} (threshold {self.threshold:g}{note})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "gated": list(self.workflows) or "overall",
            "passed": self.passed,
            "failures": list(self.failures),
        }


def judge_gate(
    overall: float,
    workflows: Mapping[str, WorkflowScore],
    threshold: float,
    names: Sequence[str] = (),
    capped: str = "",
) -> Gate:
    """The gate at `threshold`: each named workflow ready at it, or else the overall score
    at least it (`capped`: why the overall score was capped, named when it fails)."""
    named = tuple(dict.fromkeys(names))
    if named:
        failures = []
        for n in named:
            w = workflows[n]
            if w.ready_for(threshold):
                continue
            why = ""
            if w.score >= threshold or w.vetoed:
                hard = [b for b in w.details if b.zero_tolerance or b.code in ("link", "source")]
                why = ": " + "; ".join(
                    f"{b.records:,} {b.title.lower()} (zero tolerance)"
                    if b.zero_tolerance
                    else b.title
                    for b in hard
                ) if hard else ""
            failures.append(f"{n} {w.score:.1f}{why}")
        return Gate(threshold, named, not failures, tuple(failures))
    if overall >= threshold:
        return Gate(threshold, (), True)
    why = f" (capped: {capped})" if capped else ""
    return Gate(threshold, (), False, (f"overall score {overall:.1f}{why}",))


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
        return per_category(column, lambda name: self.index.get(name, -1), -1)


def per_category(column: pd.Series, fn: Any, missing: Any) -> np.ndarray:
    """`fn` of each row's text, computed once per category (`missing` where there is none)."""
    cats = column.astype("category").cat
    values = [fn(str(c)) for c in cats.categories] + [missing]
    return np.asarray(values)[cats.codes.to_numpy()]


def _blank(values: pd.Series) -> np.ndarray:
    """True where a cell is missing or only whitespace (what an export leaves for "no value")."""
    filled = values.notna() & values.astype("str").str.strip().ne("")
    return ~filled.fillna(False).to_numpy(dtype=bool)


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
    # (group, record) keys is slower).
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


