"""What runs on one block of one source's rows (a Spark partition, cut into chunks): the
local engine's own normalisers, checks and score, on a `Source` built from the block.

Source-level facts the checks read (rows per email domain, the typo fixes learned from them,
the row countries' shares, each category's canonical spelling, the date order) come from the
whole source, counted by Spark beforehand (`SourceFacts`), and are set on the block's
`Prepared` so a block answers as the whole source would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..checks.categorical import keys_and_styles, spelling_counts
from ..checks.email_typos import DomainFix
from ..checks.engine import run_checks
from ..checks.registry import CheckOptions
from ..checks.rules import Rule
from ..model import FINDING_COLUMNS, Source, is_missing
from ..normalize.base import TEXT
from ..normalize.dates import numeric_date_evidence
from ..prepared import Prepared
from ..workflows import Workflow
from .read import FILE, POS, ROW

#: Rows handed to the checks at once: Arrow batches of a partition are gathered up to this.
CHUNK_ROWS = 50_000

#: Checks whose canonical spellings come from the whole source.
CANONICAL_CHECK = "inconsistent_category"

#: Date fields (hygiene.load.source.DATE_FIELDS) whose order is decided over the source.
from ..load.source import DATE_FIELDS  # noqa: E402


@dataclass(frozen=True)
class SourcePlan:
    """A source as the driver mapped it: what a block needs to rebuild its `Source`."""

    name: str
    platform: str
    kind: str
    columns: dict[str, str]
    confidence: dict[str, float] = field(default_factory=dict)
    date_orders: dict[str, str] = field(default_factory=dict)
    platform_confidence: float = 0.0

    def skeleton(self, files: Sequence[str] = ()) -> Source:
        """The source with its columns and no rows (another source, seen from a block)."""
        data = pd.DataFrame({c: pd.Series(dtype=TEXT) for c in self.columns})
        prov = pd.DataFrame(
            {"file": pd.Series(list(files)[:0], dtype="object"), "sheet": pd.Series(dtype=object),
             "row": pd.Series(dtype="int64")}
        )
        return Source(self.name, self.platform, data, prov, dict(self.columns),
                      dict(self.confidence), date_orders=dict(self.date_orders))


@dataclass(frozen=True)
class SourceFacts:
    """Whole-source counts a block's checks read (see the module docstring)."""

    domain_counts: pd.Series
    typo_fixes: dict[str, DomainFix]
    country_counts: pd.Series
    canonical: dict[str, pd.Series]


def block_source(pdf: pd.DataFrame, plan: SourcePlan, headers: Sequence[str]) -> Source:
    """A `Source` of one block: its cells as text, its provenance from FILE and ROW."""
    data = pd.DataFrame(
        {c: pdf[c].astype(TEXT) for c in headers}, index=pd.RangeIndex(len(pdf))
    )
    prov = pd.DataFrame(
        {
            "file": pdf[FILE].astype("category").to_numpy(),
            "sheet": pd.Categorical([None] * len(pdf)),
            "row": pdf[ROW].to_numpy(dtype=np.int64),
        },
        index=data.index,
    )
    return Source(plan.name, plan.platform, data, prov, dict(plan.columns),
                  dict(plan.confidence), date_orders=dict(plan.date_orders),
                  platform_confidence=plan.platform_confidence)


def chunks(batches: Iterator[pd.DataFrame], rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Arrow batches gathered into frames of about `rows` rows."""
    pending: list[pd.DataFrame] = []
    size = 0
    for batch in batches:
        pending.append(batch)
        size += len(batch)
        if size >= rows:
            yield pd.concat(pending, ignore_index=True)
            pending, size = [], 0
    if pending:
        yield pd.concat(pending, ignore_index=True)


# -- pass 1: counts by value ------------------------------------------------------------------

FACT_COLUMNS = ("fact", "field", "key", "value", "style", "n")


def count_facts(
    pdf: pd.DataFrame, plan: SourcePlan, headers: Sequence[str], rules: Sequence[Rule],
    region: str | None,
) -> pd.DataFrame:
    """One block's counts by value: rows per email domain, per row country, per (key, value,
    style) of each categorical field, and the date evidence of each date column."""
    prep = Prepared(block_source(pdf, plan, headers), region)
    out: list[pd.DataFrame] = []

    def add(fact: str, fld: str | None, counts: pd.DataFrame) -> None:
        if len(counts):
            counts = counts.assign(fact=fact, field=fld)
            out.append(counts.reindex(columns=list(FACT_COLUMNS)))

    parts = prep.email()
    if parts is not None:
        vc = parts["domain"].value_counts(dropna=True)
        add("domain", None, pd.DataFrame({"key": vc.index.astype(str), "n": vc.to_numpy()}))
    countries = prep.country_counts()
    if countries is not None:
        add("country", None, pd.DataFrame({"key": countries.index.astype(str),
                                            "n": countries.to_numpy()}))
    for fld in canonical_fields(rules):
        got = keys_and_styles(prep, fld)
        value = prep.value(fld)
        if got is None or value is None:
            continue
        counts = spelling_counts(value, *got)
        add("spelling", fld, counts.astype({"key": str, "value": str}))
    for column, fld in plan.columns.items():
        if fld in DATE_FIELDS:
            day, month = numeric_date_evidence(pdf[column].astype(TEXT))
            add("dates", column, pd.DataFrame({"key": ["day_first", "month_first"],
                                               "n": [int(day), int(month)]}))
    if not out:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "n" else object)
                             for c in FACT_COLUMNS})
    frame = pd.concat(out, ignore_index=True)
    for c in FACT_COLUMNS[:-1]:
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    frame["n"] = frame["n"].astype("int64")
    return frame


def canonical_fields(rules: Sequence[Rule]) -> list[str]:
    fields: list[str] = []
    for r in rules:
        if r.enabled and r.check == CANONICAL_CHECK:
            fields.extend(r.fields)
    return list(dict.fromkeys(fields))


# -- pass 2: findings and the block's share of the score --------------------------------------

OUT_COLUMNS = (*FINDING_COLUMNS, "pos", "partial")


@dataclass(frozen=True)
class BlockJob:
    """Everything a block's checks and score need, shipped to the executors once."""

    plan: SourcePlan
    headers: tuple[str, ...]
    rules: tuple[Rule, ...]
    options: CheckOptions
    facts: SourceFacts
    #: Every scored source (contacts), in order: this one's block stands in for it.
    scored: tuple[SourcePlan, ...]
    workflows: tuple[Workflow, ...]
    kinds: Mapping[str, str]
    titles: Mapping[str, str]
    asked: tuple[str, ...]
    #: The loader's findings on this source (whole-column): scored on every block.
    load_findings: pd.DataFrame | None = None


def seeded(source: Source, job: BlockJob) -> Prepared:
    """The block's `Prepared`, holding the whole source's facts."""
    prep = Prepared(source, job.options.region)
    prep.keep("email.domain_counts", job.facts.domain_counts)
    prep.keep("email.typo", job.facts.typo_fixes)
    prep.keep("country_counts", job.facts.country_counts)
    for fld, canon in job.facts.canonical.items():
        prep.keep(("canonical", fld), canon)
    return prep


def check_block(pdf: pd.DataFrame, job: BlockJob) -> pd.DataFrame:
    """The block's findings (positions in the source) and one row holding its share of the
    score (`partial`, JSON)."""
    from .score import block_partial

    source = block_source(pdf, job.plan, job.headers)
    prep = seeded(source, job)
    found = run_checks([prep], list(job.rules), job.options)
    scored_findings = found
    if job.load_findings is not None and len(job.load_findings):
        extra = job.load_findings.copy()
        extra["pos"] = -1
        scored_findings = pd.concat([found, extra[list(found.columns)]], ignore_index=True)
    sources = [source if p.name == job.plan.name else p.skeleton() for p in job.scored]
    partial = block_partial(scored_findings, sources, job)

    global_pos = pdf[POS].to_numpy(dtype=np.int64)
    pos = found["pos"].to_numpy(dtype=np.int64)
    # A whole-column finding is the same on every block: the block holding row 0 reports it.
    first_block = bool((global_pos == 0).any())
    keep = (pos >= 0) | first_block
    found = found[keep]
    pos = pos[keep]
    out = pd.DataFrame({c: _text(found[c]) for c in FINDING_COLUMNS if c not in ("row",
                                                                                 "related")})
    out["row"] = [None if is_missing(r) else int(r) for r in found["row"].astype(object)]
    out["related"] = [
        None if r is None or (isinstance(r, float) and r != r) else json.dumps(list(r))
        for r in found["related"]
    ]
    out["pos"] = np.where(pos >= 0, global_pos[np.maximum(pos, 0)], -1)
    out["partial"] = None
    tail = pd.DataFrame({c: [None] for c in OUT_COLUMNS})
    tail["pos"] = -2
    tail["partial"] = json.dumps(partial)
    tail["row"] = pd.array([None], dtype="Int64")
    frame = pd.concat([out[list(OUT_COLUMNS)], tail[list(OUT_COLUMNS)]], ignore_index=True)
    frame["pos"] = frame["pos"].astype("int64")
    return frame


def _text(col: pd.Series) -> list[Any]:
    return [None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v)
            for v in col.astype(object)]
