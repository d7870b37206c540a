"""Duplicate matching end to end: prepare, block, compare, learn weights, cluster, survive.

Within one source, matches above `threshold` form duplicate clusters; across sources, matches
above `link_threshold` are links (the same person in the CRM and the ESP), which the link
checks use and which are never reported as duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hygiene.errors import ConfigError
from hygiene.model import Source
from hygiene.prepared import Prepared
from hygiene.resources import rules_yaml
from hygiene.runtime import Background, Run, Step

from . import fs
from .blocking import DEFAULT_RULES, BlockingRule, Candidates, candidates, rule_fields
from .compare import COMPARISONS, Comparison, active, compare
from .features import Features, encode_frames
from .frame import prepare
from .grouping import finish, group
from .screen import compare_screened
from .similarity import orient
from .strong import email_name_matches, floor_weight
from .types import MatchResult, MatchSettings, Scored


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
