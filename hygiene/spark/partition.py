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
from ..checks.email_typos import DomainFix, TypoTuning
from ..checks.engine import check_all
from ..checks.registry import CheckOptions, registry
from ..checks.rules import Rule
from ..links.state import consent_state
from ..model import FINDING_COLUMNS, Source, concat_findings, is_missing
from ..normalize.base import TEXT
from ..normalize.dates import numeric_date_evidence
from ..normalize.email import normalize_email
from ..prepared import Prepared
from ..workflows import Workflow
from .read import FILE, POS, ROW

#: Rows handed to the checks at once: Arrow batches of a partition are gathered up to this.
CHUNK_ROWS = 50_000

#: Checks whose canonical spellings come from the whole source.
CANONICAL_CHECK = "field.inconsistent"

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
    for whole, _ in gathered(batches, rows):
        yield whole


def gathered(
    batches: Iterator[pd.DataFrame], rows: int = CHUNK_ROWS
) -> Iterator[tuple[pd.DataFrame, list[pd.DataFrame]]]:
    """Arrow batches gathered into frames of about `rows` rows, each with the batches it
    joins. A gathered frame's text columns are chunked Arrow arrays, which pyspark cannot
    send back as they are: a pass handing its input rows back yields the batches."""
    pending: list[pd.DataFrame] = []
    size = 0
    for batch in batches:
        pending.append(batch)
        size += len(batch)
        if size >= rows:
            yield pd.concat(pending, ignore_index=True), pending
            pending, size = [], 0
    if pending:
        yield pd.concat(pending, ignore_index=True), pending


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
    if len(pdf):
        readable = consent_state(prep).readable
        add("consent", None, pd.DataFrame({"key": ["readable"], "n": [int(readable)]}))
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


# -- pass 2: buckets of linked rows ------------------------------------------------------

BUCKET = "_hygiene_bucket"
SOURCE_NO = "_hygiene_source"
#: A row's link key (a hash of its email key; null without one): the matcher's hand-off
#: (`link_buckets`) joins rows on it.
KEY = "_hygiene_key"
#: The hash of a row's corrected address where the checks fix a misspelt domain (null
#: otherwise): the links join a row on both its keys (`links.join.email_keys`).
FIXED = "_hygiene_key_fixed"


def _hashed(keys: pd.Series) -> tuple[np.ndarray, pd.arrays.IntegerArray]:
    missing = keys.isna().to_numpy()
    hashed = pd.util.hash_array(keys.where(~missing, "").astype(str).to_numpy(dtype=object))
    return hashed, pd.arrays.IntegerArray(np.where(missing, 0, hashed.view(np.int64)), missing)


def bucket_keys(
    pdf: pd.DataFrame, job: SourceJob, buckets: int
) -> tuple[np.ndarray, pd.arrays.IntegerArray, pd.arrays.IntegerArray]:
    """The bucket, the link key (`KEY`) and the corrected key (`FIXED`) of each row of
    `pdf`. The links join a row on its email key and, where the checks fix a misspelt
    domain, on the corrected address too: the bucket is the hash of the corrected address
    where there is one, else of the key, and a row with both keys bridges two keys that
    must meet in one bucket (`link_buckets.regroup`). Rows without an address are spread
    by position and have no key."""
    source = block_source(pdf, job.plan, job.headers)
    prep = seeded(source, job)
    n = len(pdf)
    keys = pd.Series([None] * n, dtype=object)
    fixes = pd.Series([None] * n, dtype=object)
    emails = prep.email()
    if emails is not None:
        keys = emails["key"].astype(object).where(emails["key"].notna(), None)
        typo = next((r for r in job.rules if r.enabled and r.check == TYPO_CHECK), None)
        if typo is not None and typo.applies_to(source.platform):
            spec = registry().get(TYPO_CHECK)
            assert spec is not None, "the typo check is built in"
            found = spec.fn(prep, typo, job.options)
            found = found[found["suggestion"].notna()] if len(found) else found
            if len(found):
                fixed = normalize_email(pd.Series(found["suggestion"].astype(str).to_numpy(),
                                                  dtype=TEXT))["key"]
                at = found["pos"].to_numpy(dtype=np.int64)
                fixes.iloc[at] = fixed.astype(object).where(fixed.notna(), None).to_numpy()
    keys = keys.reset_index(drop=True)
    fixes = fixes.reset_index(drop=True).where(fixes.reset_index(drop=True) != keys, None)
    chosen = fixes.where(fixes.notna(), keys)
    missing = chosen.isna().to_numpy()
    spread = "\x00" + job.plan.name + ":" + pdf[POS].astype(str).reset_index(drop=True)
    hashed, _ = _hashed(chosen.where(~missing, spread))
    _, key = _hashed(keys)
    _, fixed_key = _hashed(fixes)
    return (hashed % np.uint64(max(1, buckets))).astype(np.int64), key, fixed_key


@dataclass(frozen=True)
class SourceJob:
    """One source as a bucket's work needs it."""

    plan: SourcePlan
    headers: tuple[str, ...]
    rules: tuple[Rule, ...]
    options: CheckOptions
    facts: SourceFacts
    #: The loader's findings on this source (whole-column): scored on every bucket.
    load_findings: pd.DataFrame | None = None
    #: Whether some row of the whole source has a readable opt-out state.
    consent_readable: bool = True


@dataclass(frozen=True)
class BlockJob:
    """Everything a bucket's checks, links and score need, shipped to the executors once."""

    sources: tuple[SourceJob, ...]
    rules: tuple[Rule, ...]
    options: CheckOptions
    workflows: tuple[Workflow, ...]
    kinds: Mapping[str, str]
    titles: Mapping[str, str]
    asked: tuple[str, ...]
    #: The matcher ran: its links and clusters come with each bucket (`link_buckets`).
    matched: bool = False


OUT_COLUMNS = (*FINDING_COLUMNS, "pos", "partial")
TYPO_CHECK = "email.typo_domain"
UNKNOWN_CONSENT = "link.consent_unknown"


def prefixed(i: int, column: str) -> str:
    """A source's column in the buckets' wide frame (sources may share header names)."""
    return f"s{i}|{column}"


def typo_tuning(rules: Sequence[Rule]) -> TypoTuning:
    """The thresholds `email.typo_domain` learns company typos with (its rule's params)."""
    rule = next((r for r in rules if r.code == TYPO_CHECK), None)
    params = rule.params if rule is not None else None
    return params if isinstance(params, TypoTuning) else TypoTuning()


def seeded(source: Source, job: SourceJob) -> Prepared:
    """A block's `Prepared`, holding the whole source's facts."""
    prep = Prepared(source, job.options.region)
    prep.keep("email.domain_counts", job.facts.domain_counts)
    prep.keep(("email.typo", *typo_tuning(job.rules).key()), job.facts.typo_fixes)
    prep.keep("country_counts", job.facts.country_counts)
    for fld, canon in job.facts.canonical.items():
        prep.keep(("canonical", fld), canon)
    return prep


def bucket_block(pdf: pd.DataFrame, job: BlockJob) -> pd.DataFrame:
    """One bucket: every source's rows in it checked, the sources linked, and the bucket's
    share of the score (one row with `partial`, JSON). Positions are the sources' own."""
    from ..links import CheckHits, finish_links, plan_links
    from .score import block_partial

    preps: list[Prepared] = []
    where: list[np.ndarray] = []
    frames: list[pd.DataFrame] = []
    scored: list[pd.DataFrame] = []
    kept: dict[str, dict[str, pd.DataFrame]] = {}
    unknown = {r.code for r in job.rules if r.check == UNKNOWN_CONSENT}
    for i, sj in enumerate(job.sources):
        # In the source's order, as the local engine sees a source (a bucket gathers its
        # rows from any partition in any order): what keeps "the first rows" (a key's capped
        # pairs) the local engine's.
        part = pdf[pdf[SOURCE_NO] == i].sort_values(POS, kind="stable")
        block = part.rename(columns={prefixed(i, c): c for c in sj.headers})
        source = block_source(block.reset_index(drop=True), sj.plan, sj.headers)
        prep = seeded(source, sj)
        preps.append(prep)
        where.append(part[POS].to_numpy(dtype=np.int64))
        if len(part):
            found, hits = check_all([prep], list(job.rules), job.options, keep=CheckHits.CODES)
            kept.update(hits)
            frames.append(found)
            if sj.load_findings is not None and len(sj.load_findings):
                extra = sj.load_findings.copy()
                extra["pos"] = -1
                scored.append(extra.reindex(columns=list(found.columns)))
    plan = plan_links(preps, list(job.rules), links=None, kinds=job.kinds,
                      options=job.options, defaults=True, check_hits=CheckHits.of(kept))
    if job.matched:
        from .link_buckets import bucket_hand_off

        given = bucket_hand_off(pdf, [sj.plan.name for sj in job.sources], where)
        linked = finish_links(plan, fuzzy_links=given.links, clusters=given.members)
    else:
        linked = finish_links(plan)
    link_found = linked.findings
    readable = {sj.plan.name: sj.consent_readable for sj in job.sources}
    if len(link_found):
        # Whether an ESP's opt-outs can be read at all is the whole source's fact.
        drop = link_found["code"].astype(str).isin(unknown).to_numpy() & link_found[
            "source"].astype(str).map(readable).fillna(False).to_numpy(dtype=bool)
        link_found = link_found[~drop]
    findings = concat_findings([*frames, link_found])
    partial = block_partial(
        concat_findings([findings, *scored]) if scored else findings,
        [p.source for p in preps], job,
    )
    partial["links"] = [_additive(st) for st in linked.stats]
    return _out_rows(findings, job, where, partial)


def _additive(stat: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a link's stats that add up over buckets."""
    keep = ("link", "kind", "from", "to", "require")
    out = {k: stat[k] for k in keep if k in stat}
    for k in ("pairs", "linked_from", "linked_to", "missing"):
        if k in stat:
            out[k] = int(stat[k])
    out["by_method"] = {m: int(n) for m, n in stat.get("by_method", {}).items()}
    return out


def _out_rows(
    found: pd.DataFrame, job: BlockJob, where: Sequence[np.ndarray], partial: dict[str, Any]
) -> pd.DataFrame:
    """Findings with their sources' positions, plus the partial row (pos -2)."""
    names = [sj.plan.name for sj in job.sources]
    src = found["source"].astype(str).map({n: i for i, n in enumerate(names)}).to_numpy()
    pos = found["pos"].to_numpy(dtype=np.int64)
    global_pos = np.full(len(found), -1, dtype=np.int64)
    # A whole-column finding is the same in every bucket: the bucket holding the source's
    # row 0 reports it.
    keep = np.ones(len(found), dtype=bool)
    for i in range(len(names)):
        sel = src == i
        rows = where[i]
        has = sel & (pos >= 0)
        global_pos[has] = rows[pos[has]]
        keep[sel & (pos < 0)] = bool((rows == 0).any())
    found = found[keep]
    global_pos = global_pos[keep]
    out = pd.DataFrame({c: _text(found[c]) for c in FINDING_COLUMNS
                        if c not in ("row", "related")})
    out["row"] = [None if is_missing(r) else int(r) for r in found["row"].astype(object)]
    out["related"] = [
        None if r is None or (isinstance(r, float) and r != r) else json.dumps(list(r))
        for r in found["related"]
    ]
    out["pos"] = global_pos
    out["partial"] = None
    tail = pd.DataFrame({c: [None] for c in OUT_COLUMNS})
    tail["pos"] = -2
    tail["partial"] = json.dumps(partial)
    frame = pd.concat([out[list(OUT_COLUMNS)], tail[list(OUT_COLUMNS)]], ignore_index=True)
    frame["pos"] = frame["pos"].astype("int64")
    return frame


def _text(col: pd.Series) -> list[Any]:
    return [None if is_missing(v) else str(v) for v in col.astype(object)]
