"""Duplicate matching end to end: prepare, block, compare, learn weights, cluster, survive.

Within one source, matches above `threshold` form duplicate clusters; across sources, matches
above `link_threshold` are links (the same person in the CRM and the ESP), which the link
checks use and which are never reported as duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hygiene.arrays import distinct
from hygiene.errors import ConfigError
from hygiene.model import Source
from hygiene.prepared import Prepared
from hygiene.resources import rules_yaml
from hygiene.runtime import Background, Run, Step

from . import fs
from .blocking import DEFAULT_RULES, BlockingRule, Candidates, candidates, rule_fields
from .cluster import Guard, cluster_rows
from .compare import COMPARISONS, EMAIL_SAME, Comparison, active, compare
from .evidence import describe
from .features import Features, encode_frames
from .frame import prepare
from .linking import link_pairs, links_frame
from .screen import compare_screened
from .similarity import orient
from .strong import email_name_matches, floor_weight, mailbox_conflict
from .survivor import choose_survivors, load_survivorship


@dataclass(frozen=True)
class MatchSettings:
    """Every knob of matching, with defaults measured on FEBRL and generated exports."""

    #: Match probability at or above which two records of one source are duplicates.
    threshold: float = 0.95
    #: Match probability for a link between records of two sources.
    link_threshold: float = 0.9
    #: A pair below `link_threshold` but at or above this is still a link when each record
    #: is the other's best match in that source (one person, one record per system); None
    #: turns this off.
    link_mutual_best: float | None = 0.5
    #: Blocks larger than this are windowed instead of compared all-pairs (and reported).
    max_block_size: int = 200
    #: Neighbours compared in windowed blocks and the sorted-neighbourhood pass.
    window: int = 3
    #: Blocking rules by name (see hygiene.match.blocking.DEFAULT_RULES).
    blocking: tuple[str, ...] = tuple(r.name for r in DEFAULT_RULES)
    #: Comparisons by name (see hygiene.match.compare.COMPARISONS).
    comparisons: tuple[str, ...] = tuple(c.name for c in COMPARISONS)
    #: Random record pairs used to measure how often different people agree (u).
    u_samples: int = 300_000
    #: Candidate pairs (a uniform sample) that the weights are learnt on.
    train_pairs: int = 300_000
    em_iterations: int = 60
    #: Weigh agreement on a common value (Smith) less than on a rare one.
    term_frequency: bool = True
    #: Scored pairs at or above this probability are kept in `MatchResult.pairs`.
    keep_pairs_above: float = 0.5
    seed: int = 20240601
    #: Never match two records whose email and phone are both present and both different
    #: (a namesake at the same company, or a person who changed jobs), nor two records of
    #: one mailbox under two different first names with neither phone nor birth date equal
    #: (a family or role address), whatever the score.
    separate_on_contact_conflict: bool = True
    #: Survivorship rules file; rules/survivorship.yaml by default.
    survivorship: str | Path | None = None
    #: A pair with one mailbox (the same email after normalisation or under provider rules)
    #: and names that do not contradict (equal, nickname, alike, or missing on a side) gets
    #: at least this match probability, whatever its other fields say; 0 or None turns it
    #: off.
    email_name_match: float | None = 0.99


@dataclass
class Cluster:
    """Records of one source that are one person; `members` are positions in source.data."""

    id: int
    source: str
    members: list[int]
    confidence: float
    survivor: int
    evidence: list[str]
    survivor_reason: str
    #: The survivorship rule that decided (its type in rules/survivorship.yaml).
    survivor_rule: str = ""


@dataclass
class MatchResult:
    """Clusters (within a source), links (across sources), scored pairs and run figures."""

    clusters: list[Cluster] = field(default_factory=list)
    links: pd.DataFrame = field(default_factory=pd.DataFrame)
    pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scored:
    """What matching produced over the stacked features, before clusters get survivors."""

    features: Features
    left: np.ndarray
    right: np.ndarray
    gammas: np.ndarray
    swap: np.ndarray
    prob: np.ndarray
    weight: np.ndarray
    comps: list[Comparison]
    stats: dict[str, Any]
    #: Pairs whose weight one mailbox with compatible names raised (`strong.py`).
    strong: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


#: The evidence word of a pair matched by `strong.email_name_matches`.
STRONG_WORDS = "one mailbox, names do not contradict"


def freemail_domains() -> frozenset[str]:
    """Consumer mailbox domains (rules/email/providers.yaml), which say nothing of employers."""
    try:
        doc = rules_yaml("email", "providers.yaml")
    except ConfigError:
        return frozenset()
    return frozenset(str(d).lower() for d in (doc or {}).get("mailbox_providers", []) or [])


def score_frames(
    frames: Sequence[pd.DataFrame], names: Sequence[str], settings: MatchSettings
) -> Scored:
    """Block, compare and score prepared frames (one per source, see `prepare`);
    `stats["seconds"]` holds each phase's time."""
    check_match_settings(names, settings)
    encode_step = ENCODE_STEPS[-1]  # the frames are given: no `prepare`
    run = Run((encode_step, *SCORE_STEPS), keep=("scored",), nested=True)
    out = run.run(frames=list(frames), names=list(names), match_settings=settings)
    scored: Scored = out["scored"]
    scored.stats["seconds"] = dict(run.phases)
    return scored


def check_match_settings(names: Sequence[str], settings: MatchSettings) -> None:
    """Refuse (ConfigError) source names that repeat and blocking rules or comparisons
    that do not exist, before any work: both engines call it."""
    if len(set(names)) != len(names):
        raise ConfigError(f"source names must be unique to match them: {list(names)}")
    unknown = set(settings.blocking) - {r.name for r in DEFAULT_RULES}
    unknown |= set(settings.comparisons) - {c.name for c in COMPARISONS}
    if unknown:
        raise ConfigError(f"unknown blocking rule or comparison: {sorted(unknown)}")


# --- The phases -----------------------------------------------------------------------------
# Each phase is a function of the values it reads, run as a `Step` (`ENCODE_STEPS`,
# `SCORE_STEPS`, `CLUSTER_STEPS`): by `find_duplicates` in turn, by the audit beside its
# checks. The runtime times each under its `phase` (`MatchResult.stats["seconds"]`) and hands
# freed memory back between them when matching runs beside other work.


def match_frames(preps: Sequence[Prepared]) -> tuple[list[pd.DataFrame], list[str]]:
    """Each source's match frame (`frame.prepare`): the last read of the sources'
    normalised views."""
    return [prepare(p) for p in preps], [p.source.name for p in preps]


def encode(frames: list[pd.DataFrame], names: list[str]) -> Features:
    """The match frames coded into features. The frames are emptied here, before any pair is
    made: scoring never reads them again."""
    return encode_frames(frames, names, freemail_domains())


@dataclass
class Blocked:
    """The candidate pairs, and what was set up beside them: the comparisons and blocking
    rules in use, the random source, and u measured on random pairs meanwhile."""

    comps: list[Comparison]
    rules: tuple[BlockingRule, ...]
    rng: np.random.Generator
    cand: Candidates
    #: u (how often different people agree), measured on its own thread.
    u: Background[Any]


def block(features: Features, match_settings: MatchSettings) -> Blocked:
    """Candidate pairs under the blocking rules."""
    f, settings = features, match_settings
    comps = [c for c in active(f) if c.name in settings.comparisons]
    rng = np.random.default_rng(settings.seed)
    # u needs random pairs, not candidates: measured beside blocking, whose rule threads
    # leave much of the second core idle. Only that thread draws from `rng` until result().
    u = Background(fs.estimate_u, f, comps, settings.u_samples, rng)
    rules = tuple(r for r in DEFAULT_RULES if r.name in settings.blocking)
    cand = candidates(f, rules, settings.max_block_size, settings.window)
    return Blocked(comps, rules, rng, cand, u)


def train(
    features: Features, blocked: Blocked, match_settings: MatchSettings
) -> tuple[fs.Model, int]:
    """The Fellegi-Sunter model, learnt on a uniform sample of the candidates (plenty for
    EM; the fuzzy comparisons of the rest wait until screening has dropped hopeless pairs),
    and how many pairs it was learnt on."""
    f, b, settings = features, blocked, match_settings
    u = b.u.result()
    n_cand = len(b.cand.left)
    sample = np.arange(n_cand)
    if n_cand > settings.train_pairs:
        sample = np.sort(b.rng.choice(n_cand, settings.train_pairs, replace=False))
    g_sample, _ = compare(f, b.cand.left[sample], b.cand.right[sample], b.comps)
    n = f.n
    model = fs.train(
        g_sample,
        b.cand.rules[sample],
        [(r.name, rule_fields(r)) for r in b.rules],
        b.comps,
        u,
        n * (n - 1) // 2,
        b.rng,
        max_iter=settings.em_iterations,
        population=n_cand,
    )
    if settings.term_frequency:
        model.tf = fs.term_frequencies(f, b.comps)
    return model, len(sample)


def weigh(
    features: Features,
    blocked: Blocked,
    model: fs.Model,
    trained_pairs: int,
    match_settings: MatchSettings,
) -> Scored:
    """Every candidate pair compared (after screening) and weighed by the model."""
    f, settings, comps, cand = features, match_settings, blocked.comps, blocked.cand
    floors = [settings.threshold, settings.link_threshold, settings.keep_pairs_above]
    if settings.link_mutual_best is not None:
        floors.append(settings.link_mutual_best)
    floor = min(floors)
    strong_on = bool(settings.email_name_match) and f.has("email")
    done = compare_screened(
        f,
        comps,
        model,
        cand.left,
        cand.right,
        np.log2(floor / (1 - floor)),
        keep_same_mailbox=strong_on,
    )
    left, right = cand.left[done.index], cand.right[done.index]
    gammas, swap = done.gammas, done.swap
    ol, orr = orient(f, left, right, swap)
    weight = fs.match_weights(model, gammas, ol, right=orr, swap=swap)
    del ol, orr
    strong = np.zeros(len(left), dtype=bool)
    lifted = strong
    if strong_on:
        strong = email_name_matches(f, comps, gammas, left, right)
        fw = floor_weight(float(settings.email_name_match or 0.0))
        lifted = strong & (weight < fw)
        weight[lifted] = fw
        # Pairs kept only as possible strong matches, which are not, go as screening would.
        keep = strong | (weight >= np.log2(floor / (1 - floor)) - 1e-9)
        if not keep.all():
            left, right, gammas, swap = left[keep], right[keep], gammas[keep], swap[keep]
            weight, strong, lifted = weight[keep], strong[keep], lifted[keep]
    prob = fs.probability(weight)
    n_cand = len(cand.left)
    stats: dict[str, Any] = {
        "rows": f.n,
        "candidates": n_cand,
        "screened_out": int(n_cand - len(left)),
        "comparisons": int(done.computed + trained_pairs * len(comps)),
        "candidates_per_rule": cand.per_rule,
        "capped_blocks": cand.capped,
        "capped_block_count": cand.capped_blocks,
        "email_name_matches": int(strong.sum()),
        "em": model.to_dict(),
    }
    return Scored(f, left, right, gammas, swap, prob, weight, comps, stats, lifted)


def _row_lookup(f: Features, exclude: Iterable[tuple[str, int, str, int]]) -> set[tuple[int, int]]:
    """ "Keep separate" pairs as stacked row numbers (lo, hi)."""
    starts = {}
    for k, name in enumerate(f.sources):
        where = np.flatnonzero(f.source == k)
        starts[name] = int(where[0]) if len(where) else 0
    out = set()
    for sa, pa_, sb, pb in exclude:
        if sa not in starts or sb not in starts:
            continue
        a, b = starts[sa] + int(pa_), starts[sb] + int(pb)
        out.add((min(a, b), max(a, b)))
    return out


def contact_conflict(s: Scored, floor: float = 0.0) -> np.ndarray:
    """Pairs whose email and phone both differ (level 0 on both comparisons), and pairs at
    or above `floor` with one mailbox under two different first names (`mailbox_conflict`)."""
    k = {c.name: i for i, c in enumerate(s.comps)}
    out = np.zeros(len(s.left), dtype=bool)
    if "email" not in k:
        return out
    if "phone" in k:
        out |= (s.gammas[:, k["email"]] == 0) & (s.gammas[:, k["phone"]] == 0)
    at = np.flatnonzero((s.prob >= floor) & (s.gammas[:, k["email"]] >= EMAIL_SAME))
    out[at] |= mailbox_conflict(s.features, s.left[at], s.right[at], s.gammas[at, k["email"]])
    return out


def _pairs_frame(s: Scored, keep: np.ndarray) -> pd.DataFrame:
    f = s.features
    li, ri = s.left[keep], s.right[keep]
    names = np.asarray(f.sources, dtype=object)
    out = pd.DataFrame(
        {
            "source_a": names[f.source[li]],
            "pos_a": f.pos[li],
            "source_b": names[f.source[ri]],
            "pos_b": f.pos[ri],
            "probability": s.prob[keep].astype(np.float32),
            "match_weight": s.weight[keep].astype(np.float32),
            "swapped_names": s.swap[keep],
        }
    )
    for k, c in enumerate(s.comps):
        out[c.name] = s.gammas[keep, k]
    return out


def find_duplicates(
    sources: Sequence[Source | Prepared],
    settings: MatchSettings | None = None,
    exclude_pairs: Iterable[tuple[str, int, str, int]] = (),
) -> MatchResult:
    """Duplicates within each source and links across sources.

    `exclude_pairs` holds (source_a, pos_a, source_b, pos_b) judged "keep separate": such
    records never share a cluster and never form a link. Given the audit's `Prepared`
    sources, matching reuses the normalised emails, phones and values the checks computed.
    The audit runs the same phases as steps of its own, handing the links to the link
    checks before the clusters are done.
    """
    settings = settings or MatchSettings()
    preps = prepared(sources, settings)
    run = Run(MATCH_STEPS, keep=("matched",), nested=True)
    out = run.run(
        preps=preps, match_settings=settings, sources=[p.source for p in preps],
        exclude_pairs=list(exclude_pairs), kinds={},
    )
    return timed(out["matched"], run.phases)


def timed(result: MatchResult, seconds: Mapping[str, float]) -> MatchResult:
    """`result` with the seconds of each of its phases (`stats["seconds"]`), as the run
    that ran them measured."""
    result.stats["seconds"] = dict(seconds)
    return result


def prepared(sources: Sequence[Source | Prepared], settings: MatchSettings) -> list[Prepared]:
    """The sources to match, checked (unique names, known rules and comparisons)."""
    preps = [s if isinstance(s, Prepared) else Prepared(s) for s in sources]
    check_match_settings([p.source.name for p in preps], settings)
    return preps


@dataclass
class Grouped:
    """Scored pairs grouped: the links across sources and the clusters' members, known
    before the clusters' evidence and survivors are made (`finish`)."""

    scored: Scored
    sources: Sequence[Source]
    settings: MatchSettings
    #: Source kinds as asked (source name -> kind), for survivorship; the rest the platform's.
    kinds: Mapping[str, str]
    dup: np.ndarray
    rows: np.ndarray
    labels: np.ndarray
    guarded: int
    #: The clusters' members: `cluster`, `source`, `pos` (clusters numbered as in the result).
    members: pd.DataFrame
    member_rows: np.ndarray
    #: `MatchResult.links`.
    links: pd.DataFrame


def group(
    scored: Scored,
    sources: Sequence[Source],
    match_settings: MatchSettings,
    exclude_pairs: Iterable[tuple[str, int, str, int]] = (),
    kinds: Mapping[str, str] | None = None,
) -> Grouped:
    """Duplicate pairs into clusters and cross-source pairs into links, "keep separate"
    pairs and contact conflicts left out. `kinds`: source kinds as asked, for survivorship."""
    s, settings = scored, match_settings
    f = s.features
    cannot = _row_lookup(f, exclude_pairs)
    excluded = np.zeros(len(s.left), dtype=bool)
    if cannot:
        code = s.left * np.int64(f.n) + s.right
        bad = np.asarray([a * f.n + b for a, b in cannot], dtype=np.int64)
        excluded = np.isin(code, bad)
    if settings.separate_on_contact_conflict:
        floors = [settings.threshold, settings.link_threshold, settings.link_mutual_best or 1.0]
        excluded |= contact_conflict(s, min(floors))
    same = f.source[s.left] == f.source[s.right]
    dup = np.flatnonzero(same & (s.prob >= settings.threshold) & ~excluded)
    cannot_codes = np.unique(np.asarray([a * f.n + b for a, b in cannot], dtype=np.int64))
    rows, labels, guarded = cluster_rows(
        s.left[dup], s.right[dup], s.prob[dup], Guard(f, cannot_codes)
    )
    members, m_rows = _membership(f, rows, labels)
    links = links_frame(
        s, link_pairs(s, ~same & ~excluded, settings.link_threshold, settings.link_mutual_best)
    )
    return Grouped(
        s, sources, settings, dict(kinds or {}), dup, rows, labels, guarded, members, m_rows,
        links,
    )


def finish(grouped: Grouped) -> MatchResult:
    """Clusters with survivors and evidence, the links, and the kept pairs."""
    g = grouped
    s = g.scored
    clusters = _clusters(
        s, g.dup, g.rows, g.labels, g.members, g.member_rows, g.sources, g.settings, g.kinds
    )
    keep = s.prob >= g.settings.keep_pairs_above
    stats = dict(s.stats)
    stats["clusters"] = len(clusters)
    stats["duplicate_records"] = int(sum(len(c.members) - 1 for c in clusters))
    stats["links"] = len(g.links)
    stats["guarded_components"] = g.guarded
    return MatchResult(clusters, g.links, _pairs_frame(s, keep), stats)


#: The matcher's steps, in order, each named after its phase. The runtime hands freed memory
#: back after those marked `give_back` when matching runs beside other work: glibc keeps
#: freed temporaries for reuse otherwise (much after blocking), held beside the checks' own
#: peak in an audit.
ENCODE_STEPS = (
    Step("prepare", match_frames, reads=("preps",), writes=("frames", "names"),
         phase="prepare", give_back=False),
    Step("encode", encode, reads=("frames", "names"), writes=("features",), phase="encode"),
)
SCORE_STEPS = (
    Step("blocking", block, reads=("features", "match_settings"), writes=("blocked",),
         phase="blocking"),
    Step("training", train, reads=("features", "blocked", "match_settings"),
         writes=("model", "trained_pairs"), phase="training"),
    Step("comparisons", weigh,
         reads=("features", "blocked", "model", "trained_pairs", "match_settings"),
         writes=("scored",), phase="comparisons"),
)
CLUSTER_STEPS = (
    Step("group", group, reads=("scored", "sources", "match_settings", "exclude_pairs", "kinds"),
         writes=("grouped",), phase="clustering", give_back=False),
    # 100k+ clusters and their lists, no cycles: no collection walks the heap meanwhile.
    Step("finish", finish, reads=("grouped",), writes=("matched",), phase="clustering",
         collect=False),
)
MATCH_STEPS = (*ENCODE_STEPS, *SCORE_STEPS, *CLUSTER_STEPS)


def _membership(
    f: Features, rows: np.ndarray, labels: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Members of the clusters (`cluster`, `source`, `pos`), and their stacked rows.

    Clusters are numbered from 1 by their first row (rows are stacked source by source, so
    this is source order, then row order); members are listed by cluster, then row."""
    uniq, first_at = np.unique(labels, return_index=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(first_at, kind="stable")] = np.arange(len(uniq))
    cid = rank[np.searchsorted(uniq, labels)] + 1
    by = np.lexsort((rows, cid))
    m_rows, m_cid = rows[by], cid[by]
    names = np.asarray(f.sources, dtype=object)
    members = pd.DataFrame(
        {"cluster": m_cid, "source": names[f.source[m_rows]], "pos": f.pos[m_rows]}
    )
    return members, m_rows


def _clusters(
    s: Scored,
    dup: np.ndarray,
    rows: np.ndarray,
    labels: np.ndarray,
    members: pd.DataFrame,
    m_rows: np.ndarray,
    sources: Sequence[Source],
    settings: MatchSettings,
    kinds: Mapping[str, str],
) -> list[Cluster]:
    """Cluster objects: confidence is the lowest, over members, of each member's best match
    inside the cluster, so every member is tied in at least that strongly."""
    f = s.features
    if len(rows) == 0:
        return []
    # Survivors read the sources' fields (pandas, pyarrow), evidence the features: side by side.
    survivors = Background(
        choose_survivors,
        members,
        sources,
        load_survivorship(settings.survivorship),
        _name_codes(f),
        kinds,
    )
    li, ri, pr = s.left[dup], s.right[dup], s.prob[dup]
    lab_l, lab_r = _label_of(rows, labels, li), _label_of(rows, labels, ri)
    inside = np.flatnonzero((lab_l == lab_r) & (lab_l >= 0))
    # Each member's strongest in-cluster edge.
    ends = np.concatenate([li[inside], ri[inside]])
    eidx = np.concatenate([inside, inside])
    order = np.lexsort((-pr[eidx], ends))
    first = np.r_[True, ends[order][1:] != ends[order][:-1]]
    edge_row, edge_of_row = ends[order][first], eidx[order][first]  # rows ascending
    edges = distinct(edge_of_row)
    gi = dup[edges]
    words = describe(f, s.comps, s.gammas[gi], s.left[gi], s.right[gi], s.swap[gi])
    if len(s.strong):
        # Said where the rule, not the weights alone, made the match.
        for j in np.flatnonzero(s.strong[gi]).tolist():
            words[j] = [*words[j], STRONG_WORDS]
    words_of = dict(zip(edges.tolist(), words, strict=True))
    m_cid = members["cluster"].to_numpy()
    surv = survivors.result()
    surv_pos = dict(zip(surv["cluster"].tolist(), surv["pos"].tolist(), strict=True))
    surv_why = dict(zip(surv["cluster"].tolist(), surv["reason"].tolist(), strict=True))
    surv_rule = dict(zip(surv["cluster"].tolist(), surv["rule"].tolist(), strict=True))
    # Each member's strongest in-cluster edge (-1: none) and that edge's probability.
    at = np.minimum(np.searchsorted(edge_row, m_rows), max(len(edge_row) - 1, 0))
    has = (edge_row[at] == m_rows) if len(edge_row) else np.zeros(len(m_rows), dtype=bool)
    m_edge = np.where(has, edge_of_row[at] if len(edge_row) else -1, -1)
    starts = np.r_[0, np.flatnonzero(np.diff(m_cid)) + 1]
    src_of = members["source"].to_numpy()[starts].tolist()
    # Each cluster's distinct edges, weakest first: the first gives the confidence, and the
    # evidence is their words in that order, each word once. Ordered by match weight, which
    # unlike the probability does not saturate at 1.0 (ties then fall to the pair's order).
    own = m_edge >= 0
    e_cid, e_edge = m_cid[own], m_edge[own]
    order = np.lexsort((e_edge, s.weight[dup][e_edge], e_cid))
    e_cid, e_edge = e_cid[order], e_edge[order]
    new = np.r_[True, (e_cid[1:] != e_cid[:-1]) | (e_edge[1:] != e_edge[:-1])]
    e_cid, e_edge = e_cid[new], e_edge[new]
    n_clusters = len(starts)
    n_edges = np.bincount(e_cid - 1, minlength=n_clusters)
    e_start = np.r_[0, np.cumsum(n_edges)[:-1]]
    weakest = e_edge[np.minimum(e_start, max(len(e_edge) - 1, 0))] if len(e_edge) else e_start
    # Plain lists sliced per cluster: numpy per cluster costs more than the work itself.
    bounds = [*starts.tolist(), len(m_rows)]
    m_pos, edges_l = f.pos[m_rows].tolist(), e_edge.tolist()
    # Python's round (exact decimal rounding, unlike np.round) once per distinct value.
    conf_values, conf_of = np.unique(np.where(n_edges > 0, pr[weakest], 0.0), return_inverse=True)
    conf = np.asarray([round(v, 4) for v in conf_values.tolist()])[conf_of].tolist()
    out = []
    for k, (count, lo, c) in enumerate(zip(n_edges.tolist(), e_start.tolist(), conf, strict=True)):
        if count == 1:  # most clusters: a pair; an edge's words belong to its cluster alone
            ev = words_of[edges_l[lo]]
        else:
            ev = list(dict.fromkeys(w for e in edges_l[lo : lo + count] for w in words_of[e]))
        out.append(
            Cluster(
                id=k + 1,
                source=src_of[k],
                members=m_pos[bounds[k] : bounds[k + 1]],  # rows ascending, so positions too
                confidence=c,
                survivor=int(surv_pos[k + 1]),
                evidence=ev,
                survivor_reason=str(surv_why[k + 1]),
                survivor_rule=str(surv_rule[k + 1]),
            )
        )
    return out


def _name_codes(f: Features) -> dict[str, dict[str, np.ndarray]]:
    """The matcher's name keys per source (codes by row position), for survivorship rules
    that count values: the same spelling rules as matching, and no second pass over the
    sources' columns."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for k, name in enumerate(f.sources):
        at = np.flatnonzero(f.source == k)
        lo, hi = (int(at[0]), int(at[-1]) + 1) if len(at) else (0, 0)
        out[name] = {c: f.cols[c].codes[lo:hi] for c in ("first_name", "last_name")}
    return out


def _label_of(rows: np.ndarray, labels: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Cluster label of rows `x` (-1 for rows in no cluster); `rows` is sorted."""
    at = np.minimum(np.searchsorted(rows, x), len(rows) - 1)
    return np.where(rows[at] == x, labels[at], -1)
