"""Build the `ReportContext` from an `Audit`: the one place report content is decided.

Every step is vectorised over the findings frame, and what the page embeds is capped
(`ReportOptions`), so a million-finding audit builds a page in seconds that opens at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..arrays import distinct, rank_within
from ..model import DIMENSIONS, SEVERITIES, Trend, observed_counts
from ..prepared import Prepared
from ..readiness import NEEDS_SOURCE, STRUCTURAL, Blocker, WorkflowScore
from ..resources import rules_yaml
from ..score import default_weights, grade_for
from ..version import __version__
from ..words import counted
from .charts import gauge, sparkline
from .context import (
    BlockerView,
    CodeCount,
    Delta,
    DimensionView,
    DuplicatesView,
    Example,
    FindingGroup,
    FindingRow,
    FindingsTable,
    FixItem,
    ReportContext,
    SeverityCount,
    TrendView,
    WorkflowCard,
)
from .dupes import ClusterRef, cluster_refs, cluster_views
from .options import ReportOptions
from .profiles import overlap, profile
from .redact import redact_findings

if TYPE_CHECKING:
    from ..results import Audit

#: How many "fix first" items the page lists.
FIX_FIRST = 5
_SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def tone(score: float) -> str:
    """Colour class of a 0-100 score: its grade letter, lower case."""
    return grade_for(score, default_weights()).lower()


def when(stamp: datetime | str) -> str:
    """A timestamp for people: "24 Nov 2026, 10:00 UTC" (a string it cannot read stays)."""
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            return stamp
    else:
        moment = stamp
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def sentence(text: str) -> str:
    """First letter upper case ("no store export" -> "No store export"), the rest as is."""
    return text[:1].upper() + text[1:]


def _str(v: object) -> str:
    """A cell as display text: "" for every kind of missing."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return str(v)


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a column and the value of each code (a categorical's own; as the
    score reads them)."""
    cats = values.astype("category").cat
    return cats.codes.to_numpy().astype(np.int64), cats.categories


def records_per_code(
    findings: pd.DataFrame, sizes: Mapping[str, int], by: str = "code"
) -> pd.Series:
    """Distinct records each code (or other `by` column: dimension) touches; a whole-column
    finding counts its source's rows.

    On integer codes: `drop_duplicates` of (code, source, pos) hashed every row."""
    code, code_names = _codes(findings[by])
    src, src_names = _codes(findings["source"])
    pos = findings["pos"].to_numpy(dtype=np.int64)
    n_code, n_src = len(code_names), max(len(src_names), 1)
    row = pos >= 0
    whole = distinct(code[~row] * n_src + src[~row])
    # A (code, source) with a whole-column finding already counts every row of the source.
    row &= ~np.isin(code * n_src + src, whole)
    span = np.int64(pos.max(initial=0) + 1)
    per_row = distinct((code[row] * n_src + src[row]) * span + pos[row]) // (span * n_src)
    total = np.bincount(per_row, minlength=n_code).astype(np.int64)
    rows_of = np.asarray([int(sizes.get(str(s), 0)) for s in src_names], dtype=np.int64)
    total += np.bincount(
        whole // n_src, weights=rows_of[whole % n_src], minlength=n_code
    ).astype(np.int64)
    seen = np.bincount(code[code >= 0], minlength=n_code) > 0
    return pd.Series(total[seen], index=code_names[seen].astype(object), dtype=np.int64)


def example_rows(findings: pd.DataFrame, per_code: int) -> pd.DataFrame:
    """Up to `per_code` findings per code, those with a value first."""
    order = np.argsort(findings["value"].isna().to_numpy(dtype=bool), kind="stable")
    # Rank within code on the codes, then take the few rows: reordering the whole frame
    # first copied every finding to keep a few hundred.
    rank = rank_within(_codes(findings["code"])[0][order])
    return findings.iloc[order[rank < per_code]]


def _examples(picked: pd.DataFrame) -> dict[str, list[Example]]:
    out: dict[str, list[Example]] = {}
    for r in picked.itertuples(index=False):
        out.setdefault(str(r.code), []).append(
            Example(
                source=_str(r.source),
                file=_str(r.file),
                row=_str(r.row),
                record_id=_str(r.record_id),
                column=_str(r.column),
                value=_str(r.value),
                suggestion=_str(r.suggestion),
                message=_str(r.message),
            )
        )
    return out


def feeds_sentence(
    findings: int,
    records: int,
    rows: int,
    hit: int,
    rules: int,
    clusters: int,
    away: int,
    duplicates: bool = False,
) -> str:
    """What a dimension's score is counted from (of `rows` records), in a sentence or two:
    `records` records with `findings` findings of `hit` of its `rules` rules, and where
    `duplicates` count (uniqueness) `clusters` clusters whose `away` records would merge
    away."""
    rows = max(rows, 1)
    parts = []
    if duplicates and not clusters:
        parts.append("No duplicate clusters.")
        if not rules:
            return parts[0]
    if clusters:
        parts.append(
            f"{counted(clusters, 'duplicate cluster')}: {counted(away, 'record')} would "
            f"merge away ({min(1.0, away / rows):.1%})."
        )
        if not rules:
            return parts[0]
    if findings:
        parts.append(
            f"{counted(findings, 'finding')} on {counted(records, 'record')} "
            f"({records / rows:.1%}), from {hit} of the {counted(rules, 'rule')} of this "
            "dimension."
        )
    elif rules:
        parts.append(f"No findings from the {counted(rules, 'rule')} of this dimension.")
    else:
        parts.append("No enabled rule measures this dimension.")
    return " ".join(parts)


def dimensions(
    audit: Audit, options: ReportOptions, clusters: int = 0, merge_away: int = 0
) -> list[DimensionView]:
    """The six dimensions, each with its finding codes (most records first), examples, and
    what feeds its score (rules, records, and for uniqueness the duplicate clusters)."""
    findings = audit.findings
    weights = default_weights()
    total_weight = sum(weights.dimensions.values()) or 1.0
    about = rules_yaml("scoring.yaml").get("dimension_descriptions", {})
    rules = {r.code: r for r in audit.rules}
    rows = sum(s.rows for s in audit.sources) or 1
    sizes = {s.name: s.rows for s in audit.sources}
    records = records_per_code(findings, sizes)
    per_dim = records_per_code(findings, sizes, by="dimension")
    counts = observed_counts(findings["code"])
    first = findings.drop_duplicates("code").set_index("code")
    picked = example_rows(findings, options.examples_per_code)
    examples = _examples(redact_findings(picked, audit.sources) if options.redact else picked)
    out = []
    for dim in DIMENSIONS:
        codes = [c for c in counts.index if first.at[c, "dimension"] == dim]
        groups = [
            FindingGroup(
                code=str(c),
                title=rules[c].title if c in rules else str(c),
                severity=str(first.at[c, "severity"]),
                count=int(counts[c]),
                records=int(records.get(c, 0)),
                share=min(1.0, float(records.get(c, 0)) / rows),
                fix=rules[c].fix if c in rules else "",
                examples=examples.get(str(c), []),
            )
            for c in codes
        ]
        groups.sort(key=lambda g: (_SEV_RANK.get(g.severity, 9), -g.records, g.code))
        score = float(audit.score.dimensions.get(dim, 100.0))
        hit = int(per_dim.get(dim, 0))
        dup = (clusters, merge_away) if dim == "uniqueness" else (0, 0)
        n_rules = sum(1 for r in audit.rules if r.enabled and r.dimension == dim)
        out.append(
            DimensionView(
                name=dim,
                label=dim.capitalize(),
                score=score,
                # grey: a default 100 must not look like a green result
                tone="none" if dim in audit.score.unmeasured else tone(score),
                weight=round(100.0 * weights.dimensions.get(dim, 0.0) / total_weight, 1),
                about=str(about.get(dim, "")),
                findings=sum(g.count for g in groups),
                groups=groups,
                unmeasured=audit.score.unmeasured.get(dim, ""),
                records=hit,
                share=min(1.0, hit / rows),
                rules=n_rules,
                clusters=dup[0],
                merge_away=dup[1],
                merge_share=min(1.0, dup[1] / rows),
                feeds=feeds_sentence(
                    sum(g.count for g in groups), hit, rows, len(groups), n_rules, *dup,
                    duplicates=dim == "uniqueness",
                ),
            )
        )
    return out


def sample_findings(findings: pd.DataFrame, cap: int) -> pd.DataFrame:
    """At most `cap` findings, an even share of every code (round robin), in display order."""
    if len(findings) > cap:
        rank = rank_within(_codes(findings["code"])[0])
        keep = np.sort(np.argsort(rank, kind="stable")[:cap])
        findings = findings.iloc[keep]
    sev = findings["severity"].map(_SEV_RANK).fillna(9).to_numpy()
    order = np.lexsort(
        (
            findings["pos"].to_numpy(),
            findings["source"].astype(str).to_numpy(),
            findings["code"].astype(str).to_numpy(),
            sev,
        )
    )
    return findings.iloc[order]


def findings_table(audit: Audit, options: ReportOptions) -> FindingsTable:
    findings = audit.findings
    sample = sample_findings(findings, options.max_findings)
    if options.redact:
        sample = redact_findings(sample, audit.sources)
    # In FindingRow's field order: positional construction is what keeps 5,000 rows cheap.
    cols = [f.name for f in fields(FindingRow)]
    arrays = [sample[c].to_numpy(dtype=object) for c in cols]
    rows = [FindingRow(*(_str(v) for v in values)) for values in zip(*arrays, strict=True)]
    return FindingsTable(
        rows=rows,
        total=len(findings),
        capped=len(rows) < len(findings),
        codes=sorted(findings["code"].astype(str).unique().tolist()),
        sources=[s.name for s in audit.sources],
    )


def _status_label(w: WorkflowScore) -> str:
    if w.status == NEEDS_SOURCE:
        return f"Needs a {' and '.join(w.needs)} export"
    return "Ready" if w.ready else "Not ready"


def workflow_cards(audit: Audit) -> list[WorkflowCard]:
    profiles = {w.name: w for w in audit.workflows}
    cards = []
    for name, w in audit.score.workflows.items():
        wf = profiles.get(name)
        cards.append(
            WorkflowCard(
                name=name,
                title=w.title,
                description=wf.description if wf else "",
                score=w.score,
                tone=tone(w.score),
                ready=w.ready,
                ready_at=w.ready_at,
                records=w.records,
                blocked=w.blocked,
                requires=list(wf.requires) if wf else [],
                needs_links=list(wf.needs_links) if wf else [],
                blockers=[
                    BlockerView(
                        text=sentence(b.title),
                        records=b.records,
                        share=b.share,
                        code=b.finding_code,
                        zero_tolerance=b.zero_tolerance,
                    )
                    for b in w.details
                ],
                status=w.status,
                status_label=_status_label(w),
                reason=w.reason,
            )
        )
    return cards


def _fix_text(code: str, field: str, source: str, rules: Mapping[str, Any]) -> str:
    if code == "column":
        return (
            f"Export the {field} property too, or map an existing column onto it "
            f"(--map {source or 'SOURCE'}:COLUMN={field.split(' or ')[0]})."
        )
    if code == "link":
        return f"Add the {field} export as a source ({field}=FILE) so records can be linked."
    if code == "any":
        return "Record the opt-in (consent, its date or the subscription status) on every record."
    if code == "duplicates":
        return "Merge the duplicates: decide each cluster in review.xlsx (Duplicates sheet)."
    rule = rules.get(code)
    return rule.fix if rule is not None else ""


@dataclass
class _Held:
    """One blocker over the workflows it holds back (for `fix_first`)."""

    blocker: Blocker
    records: int = 0
    workflows: list[str] = field(default_factory=list)
    #: Records it holds back in the workflows that are not ready.
    held: int = 0
    #: Its records summed over every workflow.
    all: int = 0
    zero: bool = False
    #: Workflows it keeps from being ready.
    stops: int = 0

    def rank(self) -> tuple[bool, int, int, int]:
        first = self.blocker.code in STRUCTURAL or self.zero
        return (not first, -self.stops, -self.held, -self.all)


def fix_first(audit: Audit, limit: int = FIX_FIRST) -> list[FixItem]:
    """Blockers over all workflows: first those that keep a workflow from being ready
    whatever its score (a missing export or column, a zero-tolerance finding), as in every
    card; then by the not-ready workflows they hold back, then the records they hold back
    there: the answer to "what do we fix first?". A workflow set aside for an export nobody
    gave (NEEDS_SOURCE) adds nothing here."""
    rules = {r.code: r for r in audit.rules}
    merged: dict[tuple[str, str, str], _Held] = {}
    for w in audit.score.workflows.values():
        if w.status == NEEDS_SOURCE:
            continue
        for b in w.details:
            if not b.records:
                continue
            item = merged.setdefault((b.code, b.field, b.title), _Held(b))
            item.records = max(item.records, b.records)
            item.workflows.append(w.title)
            item.all += b.records
            item.held += 0 if w.ready else b.records
            item.zero = item.zero or b.zero_tolerance
            item.stops += 0 if w.ready else 1
    ranked = sorted(merged.items(), key=lambda kv: (*kv[1].rank(), kv[0]))
    return [
        FixItem(
            title=sentence(title),
            code=item.blocker.finding_code,
            records=item.records,
            workflows=item.workflows,
            fix=_fix_text(code, field_name, item.blocker.source, rules),
        )
        for (code, field_name, title), item in ranked[:limit]
    ]


def trend_view(trend: Trend, audit: Audit) -> TrendView:
    def deltas(values: Mapping[str, float], labels: Mapping[str, str]) -> list[Delta]:
        return [Delta(label=labels.get(k, k), delta=round(float(v), 1)) for k, v in values.items()]

    def top(counts: Mapping[str, int]) -> list[CodeCount]:
        pairs = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [CodeCount(code=str(c), count=int(n)) for c, n in pairs[:8]]

    history = [(str(at), float(v)) for at, v in trend.history]
    now = audit.generated_at.isoformat()
    points = [*history, (now, audit.score.overall)]
    spark = (
        sparkline([v for _, v in points], when(points[0][0]).split(",")[0], "now")
        if len(points) >= 2
        else None
    )
    titles = {k: w.title for k, w in audit.score.workflows.items()}
    return TrendView(
        previous_at=when(trend.previous_at),
        previous_overall=round(float(trend.previous_overall), 1),
        overall_delta=round(float(trend.overall_delta), 1),
        dimensions=deltas(trend.dimension_deltas, {d: d.capitalize() for d in DIMENSIONS}),
        workflows=deltas(trend.workflow_deltas, titles),
        new_findings=int(trend.new_findings),
        fixed_findings=int(trend.fixed_findings),
        new_by_code=top(trend.new_by_code),
        fixed_by_code=top(trend.fixed_by_code),
        spark=spark,
    )


def verdict(cards: Sequence[WorkflowCard], first: Sequence[FixItem], overall: float) -> str:
    """One sentence: can we launch, and what first. Workflows set aside for an export
    nobody gave are named apart, not counted as failures."""
    if not cards:
        return f"Overall readiness {overall:.1f} of 100."
    runnable = [c for c in cards if c.status != NEEDS_SOURCE]
    aside = [c for c in cards if c.status == NEEDS_SOURCE]
    ready = sum(c.ready for c in runnable)
    n = len(runnable)
    if not runnable:
        head = "No workflow can be scored yet."
    elif ready == n:
        head = (
            f"All {n} workflows are ready to launch."
            if n > 1
            else f"{runnable[0].title} is ready to launch."
        )
    elif ready == 0:
        head = (
            f"None of the {n} workflows is ready to launch yet."
            if n > 1
            else f"{runnable[0].title} is not ready to launch yet."
        )
    else:
        head = f"{ready} of {n} workflows {'is' if ready == 1 else 'are'} ready to launch."
    if aside:
        head += " " + "; ".join(f"{c.title}: {c.status_label.lower()}" for c in aside) + "."
    if first and ready < n:
        return f"{head} Fix first: {first[0].title} ({counted(first[0].records, 'record')})."
    return head


def headline(audit: Audit) -> str:
    """Readiness first, then the data score: the line every output opens with."""
    s = audit.score
    runnable = [w for w in s.workflows.values() if w.status != NEEDS_SOURCE]
    score = f"data score {s.overall:.1f}/100 (grade {s.grade}"
    score += f"; capped: {s.capped})" if s.capped else ")"
    if not runnable:
        return sentence(score)
    ready = sum(w.ready for w in runnable)
    head = f"{ready} of {len(runnable)} workflows ready" if len(runnable) > 1 else (
        f"{runnable[0].title}: {'ready' if ready else 'not ready'}"
    )
    return f"{sentence(head)}; {score}"


def _prepared(audit: Audit) -> list[Prepared]:
    """The audit's normalised views, made afresh for a source that has none."""
    have = {id(p.source): p for p in audit.prepared}
    return [have.get(id(s)) or Prepared(s) for s in audit.sources]


def build_context(
    audit: Audit,
    options: ReportOptions | None = None,
    clusters: Sequence[ClusterRef] | None = None,
) -> ReportContext:
    """Everything report.html shows. `clusters` defaults to the audit's duplicates."""
    options = options or ReportOptions()
    findings = audit.findings
    refs = list(clusters) if clusters is not None else cluster_refs(audit)
    cards = workflow_cards(audit)
    first = fix_first(audit)
    kinds = audit.kinds
    preps = _prepared(audit)
    by_sev = observed_counts(findings["severity"])
    table = findings_table(audit, options)
    members = sum(len(r.members) for r in refs)
    redundant = members - sum(1 for r in refs if r.survivor is not None)
    shown, featured = cluster_views(refs, audit.sources, options.redact, options.max_clusters)
    required = {f for w in audit.workflows for f in w.requires}
    notes = []
    if table.capped:
        notes.append(
            f"The findings table holds {len(table.rows):,} of {table.total:,} findings (an even "
            "share of every code); review.xlsx and audit.json hold them all."
        )
    if len(refs) > options.max_clusters:
        notes.append(
            f"{options.max_clusters:,} of {len(refs):,} duplicate clusters are shown, the least "
            "certain first; review.xlsx lists them all."
        )
    if options.redact:
        notes.append("Emails, phone numbers and names are masked (--redact).")
    s = audit.score
    return ReportContext(
        title=f"Contact data audit: {headline(audit)}",
        generated_at=when(audit.generated_at),
        version=__version__,
        redacted=options.redact,
        rows=sum(x.rows for x in audit.sources),
        finding_count=len(findings),
        severities=[SeverityCount(v, int(by_sev.get(v, 0))) for v in SEVERITIES],
        overall=s.overall,
        grade=s.grade,
        gauge=gauge(s.overall, s.grade.lower()),
        verdict=verdict(cards, first, s.overall),
        headline=headline(audit),
        ready_count=sum(c.ready for c in cards),
        fix_first=first,
        workflows=cards,
        dimensions=dimensions(audit, options, len(refs), redundant),
        findings=table,
        duplicates=DuplicatesView(
            clusters=len(refs),
            records=members,
            redundant=redundant,
            shown=shown,
            featured=featured,
        ),
        sources=[
            profile(src, kinds[src.name], prep, findings, options.redact, required)
            for src, prep in zip(audit.sources, preps, strict=True)
        ],
        overlap=overlap(preps, kinds),
        trend=trend_view(audit.trend, audit) if audit.trend is not None else None,
        notes=notes,
    )
