"""Fellegi-Sunter scoring with weights learnt from the data itself (no labels).

As in Splink: u (how often two *different* people agree at a level) is measured on random
record pairs; m (how often the *same* person does) comes from expectation maximisation over
the candidate pairs of each blocking rule with u held fixed; the prior is the share of
matches among all pairs. EM runs over distinct comparison vectors with their counts, so it
costs the same for a thousand or ten million pairs. Agreement on a common value (Smith,
London) weighs less than on a rare one through term-frequency adjustment of the top level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .compare import Comparison, compare
from .features import Features


@dataclass
class Model:
    """Learnt parameters: `m[c][k]`, `u[c][k]` per comparison and level, prior `lam`."""

    comps: list[Comparison]
    lam: float
    m: list[np.ndarray]
    u: list[np.ndarray]
    iterations: int = 0
    converged: bool = False
    tf: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    #: u measured on random pairs; the reference for term-frequency adjustments.
    u_random: list[np.ndarray] = field(default_factory=list)
    #: One entry per EM session (blocking rule): pairs, match share, convergence.
    sessions: list[dict[str, Any]] = field(default_factory=list)

    def weights(self) -> list[np.ndarray]:
        """log2(m / u) per comparison and level (the Bayes factor of each level)."""
        return [np.log2(m / u) for m, u in zip(self.m, self.u, strict=True)]

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers for stats and reports."""
        return {
            "lambda": float(f"{self.lam:.4g}"),
            "sessions": self.sessions,
            "iterations": self.iterations,
            "converged": self.converged,
            "comparisons": {
                c.name: {
                    "levels": list(c.labels),
                    "m": [float(f"{x:.4g}") for x in m],
                    "u": [float(f"{x:.4g}") for x in u],
                }
                for c, m, u in zip(self.comps, self.m, self.u, strict=True)
            },
        }


#: Pseudo-pairs of prior belief added to the m and u estimates: negligible on a real file
#: (thousands of pairs), decisive on a file of ten rows where nothing can be learnt.
M_PRIOR_PAIRS = 10.0
U_PRIOR_PAIRS = 100.0
#: Term-frequency adjustment needs enough values for frequencies to mean something.
TF_MIN_VALUES = 200


def prior_m(n_levels: int) -> np.ndarray:
    """A match mostly agrees: 0.9 on the top level, the rest spread below it."""
    m = np.full(n_levels, 0.1 / max(n_levels - 1, 1))
    m[-1] = 0.9
    return m


def prior_u(n_levels: int) -> np.ndarray:
    """Two different people rarely agree: 0.001 on the top level, 0.01 on partial levels."""
    u = np.full(n_levels, 0.01)
    u[-1] = 0.001
    u[0] = 1.0 - u[1:].sum()
    return u


def _level_probs(
    g: np.ndarray, prior: np.ndarray, weights: np.ndarray | None = None, strength: float = 10.0
) -> np.ndarray:
    """Share of each level among non-missing entries of one comparison column, shrunk
    towards `prior` by `strength` pseudo-pairs."""
    n_levels = len(prior)
    ok = g >= 0
    w = np.ones(len(g)) if weights is None else weights
    counts = np.bincount(g[ok].astype(np.int64), weights=w[ok], minlength=n_levels)[:n_levels]
    return shrunk(counts, prior, strength)


def shrunk(counts: np.ndarray, prior: np.ndarray, strength: float) -> np.ndarray:
    """Level shares from (weighted) counts per level, shrunk towards `prior` by `strength`
    pseudo-pairs: the one formula for counts made here or aggregated by another engine."""
    smoothed: np.ndarray = np.asarray(counts, dtype=np.float64) + strength * prior
    return smoothed / smoothed.sum()


def u_from_counts(counts: list[np.ndarray], comps: list[Comparison]) -> list[np.ndarray]:
    """u per comparison from the counts of each level (0..n-1, missing left out) over
    random record pairs: what `estimate_u` computes from the pairs themselves."""
    return [
        shrunk(np.asarray(c, dtype=np.float64), prior_u(len(comp.levels)), U_PRIOR_PAIRS)
        for c, comp in zip(counts, comps, strict=True)
    ]


def estimate_u(
    f: Features, comps: list[Comparison], samples: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """u probabilities from random pairs of records (almost all different people)."""
    n = f.n
    if n < 2:
        return [prior_u(len(c.levels)) for c in comps]
    if n * (n - 1) // 2 <= samples:
        # A small file has fewer pairs than the sample: take them all, so u (and with it
        # every weight) is exact and does not depend on the order of the rows.
        a, b = np.triu_indices(n, 1)
    else:
        a = rng.integers(0, n, samples)
        b = rng.integers(0, n, samples)
        keep = a != b
        a, b = a[keep], b[keep]
    g, _ = compare(f, a, b, comps)
    return [
        _level_probs(g[:, k], prior_u(len(c.levels)), strength=U_PRIOR_PAIRS)
        for k, c in enumerate(comps)
    ]


def patterns(gammas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct comparison vectors and their counts (one int64 code per row, so a 1D sort)."""
    if len(gammas) == 0:
        return np.empty((0, gammas.shape[1]), dtype=np.int8), np.empty(0)
    base = np.int64(9)  # levels -1..7
    code = np.zeros(len(gammas), dtype=np.int64)
    for k in range(gammas.shape[1]):
        code = code * base + (gammas[:, k].astype(np.int64) + 1)
    uniq, counts = np.unique(code, return_counts=True)
    pats = np.empty((len(uniq), gammas.shape[1]), dtype=np.int8)
    for k in range(gammas.shape[1] - 1, -1, -1):
        pats[:, k] = uniq % base - 1
        uniq = uniq // base
    return pats, counts.astype(np.float64)


def _posterior(
    pats: np.ndarray, lam: float, m: list[np.ndarray], u: list[np.ndarray]
) -> np.ndarray:
    lm = np.log(lam) + _loglik(pats, m)
    lu = np.log1p(-lam) + _loglik(pats, u)
    return np.asarray(np.exp(lm - np.logaddexp(lm, lu)))


def em_fixed_u(
    pats: np.ndarray,
    counts: np.ndarray,
    levels: list[int],
    u: list[np.ndarray],
    max_iter: int = 60,
    tol: float = 1e-6,
    lam: float = 0.1,
) -> tuple[list[np.ndarray], float, int, bool]:
    """m and the match share by EM with u held at its random-pair values (as Splink does)."""
    m = [prior_m(n) for n in levels]
    for it in range(1, max_iter + 1):
        w = counts * _posterior(pats, lam, m, u)
        new_lam = float(np.clip(w.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        new_m = [
            _level_probs(pats[:, k], prior_m(n), w, M_PRIOR_PAIRS) for k, n in enumerate(levels)
        ]
        delta = max(
            abs(new_lam - lam), *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True))
        )
        m, lam = new_m, new_lam
        if delta < tol:
            return m, lam, it, True
    return m, lam, max_iter, False


@dataclass
class Session:
    """One blocking rule's EM input: its name, the comparisons it estimates (positions in
    `comps`), the distinct comparison vectors of its pairs over those and their counts."""

    rule: str
    use: list[int]
    pats: np.ndarray
    counts: np.ndarray
    pairs: int


def train(
    gammas: np.ndarray,
    rule_bits: np.ndarray,
    rules: list[tuple[str, set[str]]],
    comps: list[Comparison],
    u: list[np.ndarray],
    total_pairs: int,
    rng: np.random.Generator,
    max_iter: int = 60,
    sample: int = 500_000,
    min_pairs: int = 50,
    population: int | None = None,
) -> Model:
    """Learn m per comparison and the share of matches among all record pairs, no labels.

    Splink's scheme: one EM session per blocking rule over the pairs that rule found,
    leaving out the comparisons on the rule's own fields (its pairs agree on those by
    construction, so they say nothing there), with u fixed from random pairs; each m is the
    mean over the sessions that estimated it. The prior is then the expected number of
    matches among the candidates over all possible pairs, found by iterating the posterior.
    `gammas` may be a uniform sample of `population` candidate pairs.
    """
    sessions = []
    for k, (name, fields) in enumerate(rules):
        idx = np.flatnonzero(rule_bits & np.uint16(1 << k))
        use = estimated(comps, fields)
        if len(idx) < min_pairs or not use:
            continue
        if len(idx) > sample:
            idx = np.sort(rng.choice(idx, sample, replace=False))
        pats, counts = patterns(gammas[idx][:, use])
        sessions.append(Session(name, use, pats, counts, len(idx)))
    model = fit(sessions, comps, u, max_iter)
    n = len(gammas)
    if n == 0 or total_pairs <= 0:
        model.lam = 1e-6
        return model
    big = sample * 4
    idx = np.sort(rng.choice(n, big, replace=False)) if n > big else np.arange(n)
    pats, counts = patterns(gammas[idx])
    counts *= (population or n) / len(idx)
    model.lam = prior_from_counts(pats, counts, model, total_pairs, population or n)
    return model


def estimated(comps: list[Comparison], fields: set[str]) -> list[int]:
    """The comparisons a blocking rule's pairs say something about: those on none of the
    rule's own fields."""
    return [j for j, c in enumerate(comps) if not set(c.fields) & fields]


def fit(
    sessions: list[Session], comps: list[Comparison], u: list[np.ndarray], max_iter: int = 60
) -> Model:
    """m of every comparison from the EM sessions (the mean over the sessions that estimated
    it); the prior is left to `prior_from_counts`. Works on counts of distinct vectors only,
    so any engine that can count them shares it."""
    model = Model(comps, 1e-4, [prior_m(len(c.levels)) for c in comps], list(u), u_random=u)
    estimates: list[list[np.ndarray]] = [[] for _ in comps]
    done = []
    for s in sessions:
        m, lam, it, ok = em_fixed_u(
            s.pats, s.counts, [len(comps[j].levels) for j in s.use], [u[j] for j in s.use],
            max_iter,
        )
        for j, mj in zip(s.use, m, strict=True):
            estimates[j].append(mj)
        done.append(
            {
                "rule": s.rule,
                "pairs": int(s.pairs),
                "lambda": round(lam, 6),
                "iterations": it,
                "converged": ok,
                "estimated": [comps[j].name for j in s.use],
            }
        )
        model.iterations += it
    model.m = [np.mean(e, axis=0) if e else model.m[j] for j, e in enumerate(estimates)]
    model.converged = bool(done) and all(x["converged"] for x in done)
    model.sessions = done
    return model


def prior_from_counts(
    pats: np.ndarray, counts: np.ndarray, model: Model, total_pairs: int, population: int
) -> float:
    """P(two random records match): expected matches among the candidates (`counts` of the
    distinct vectors `pats`, scaled to the `population` of candidates) over all pairs."""
    if total_pairs <= 0 or population <= 0:
        return 1e-6
    ceiling = min(population / total_pairs, 1 - 1e-9)
    lam = min(1e-4, ceiling)
    for _ in range(100):
        new = float(
            np.clip(
                (counts * _posterior(pats, lam, model.m, model.u)).sum() / total_pairs,
                1e-12,
                ceiling,
            )
        )
        if abs(new - lam) <= 1e-3 * lam:
            return new
        lam = new
    return lam


def merge_patterns(pats: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct vectors and summed counts of vectors given with counts, in `patterns`'
    order: a table of (vector, count) aggregated elsewhere gives what `patterns` gives for
    the pairs themselves."""
    if len(pats) == 0:
        return np.empty((0, pats.shape[1]), dtype=np.int8), np.empty(0)
    base = np.int64(9)
    code = np.zeros(len(pats), dtype=np.int64)
    for k in range(pats.shape[1]):
        code = code * base + (pats[:, k].astype(np.int64) + 1)
    uniq, inv = np.unique(code, return_inverse=True)
    summed = np.bincount(inv.reshape(-1), weights=np.asarray(counts, dtype=np.float64))
    out = np.empty((len(uniq), pats.shape[1]), dtype=np.int8)
    for k in range(pats.shape[1] - 1, -1, -1):
        out[:, k] = uniq % base - 1
        uniq = uniq // base
    return out, summed


def _loglik(pats: np.ndarray, probs: list[np.ndarray]) -> np.ndarray:
    """Sum over comparisons of log P(level), missing levels contributing nothing."""
    out = np.zeros(len(pats))
    for k, pr in enumerate(probs):
        g = pats[:, k]
        out += np.where(g >= 0, np.log(pr[np.maximum(g, 0)]), 0.0)
    return out


def term_frequencies(f: Features, comps: list[Comparison]) -> dict[tuple[int, int], np.ndarray]:
    """(comparison, level) -> the share of rows holding each row's value of the level's
    column (NaN where missing), for every `tf` entry of the comparisons."""
    out: dict[tuple[int, int], np.ndarray] = {}
    for k, c in enumerate(comps):
        for lvl, column in c.tf_levels():
            codes = f.cols[column].codes
            ok = codes >= 0
            if ok.sum() < TF_MIN_VALUES:
                continue
            counts = np.bincount(codes[ok], minlength=len(f.cols[column].vocab))
            tf = np.full(len(codes), np.nan)
            tf[ok] = counts[codes[ok]] / ok.sum()
            out[(k, lvl)] = tf
    return out


def _tf_adjust(model: Model, k: int, lvl: int, freq: np.ndarray, tf_min: float) -> np.ndarray:
    """Splink's adjustment: agreeing on a value is about as rare as the value itself, so the
    weight moves by log2(average agreement / this value's frequency `freq`). The average is
    the random-pair share of every level that agrees on the same column (postcode equal,
    with or without the city), so a joint level keeps what the other column adds. The floor
    stops one unique typo from outweighing everything else."""
    u_val = np.maximum(freq, tf_min)
    column = dict(model.comps[k].tf_levels())[lvl]
    u = model.u_random[k] if model.u_random else model.u[k]
    ref = float(sum(u[lv] for lv, col in model.comps[k].tf_levels() if col == column))
    return np.asarray(np.log2(ref / np.where(np.isnan(u_val), ref, u_val)))


_SWAPPED = {"first_name": "last_name", "last_name": "first_name"}


def _other_name_tf(model: Model, k: int) -> np.ndarray | None:
    """For a name comparison, the frequencies of the other name column (top level)."""
    other = _SWAPPED.get(model.comps[k].name)
    for kk, lvl in model.tf:
        if other is not None and model.comps[kk].name == other and lvl == len(
            model.comps[kk].levels
        ) - 1:
            return model.tf[(kk, lvl)]
    return None


def prior_weight(model: Model) -> float:
    """log2 prior odds of a match: where every pair's weight starts."""
    return float(np.log2(model.lam / (1 - model.lam)))


def level_weight(
    model: Model,
    k: int,
    g: np.ndarray,
    left: np.ndarray,
    tf_min: float = 1e-4,
    right: np.ndarray | None = None,
    swap: np.ndarray | None = None,
) -> np.ndarray:
    """Weight of comparison `k` at levels `g` (0 where missing), adjusted for value frequency.

    Given the pairs put in order (`similarity.orient`) and which have names swapped, a name
    agreed across the two orders weighs by the more common of its two uses (as the first
    name of one record and the last name of the other): "George" is a rare last name but
    a common first name."""
    table = model.weights()[k]
    wk = np.where(g >= 0, table[np.maximum(g, 0)], 0.0)
    other = _other_name_tf(model, k) if swap is not None and right is not None else None
    for kk, lvl in model.tf:
        if kk == k:
            at = np.flatnonzero(g == lvl)
            freq = model.tf[(k, lvl)][left[at]]
            if other is not None and right is not None and swap is not None:
                sw = np.flatnonzero(swap[at])
                freq[sw] = np.fmax(freq[sw], other[right[at[sw]]])
            wk[at] += _tf_adjust(model, k, lvl, freq, tf_min)
    return wk


def match_weights(
    model: Model,
    gammas: np.ndarray,
    left: np.ndarray,
    tf_min: float = 1e-4,
    right: np.ndarray | None = None,
    swap: np.ndarray | None = None,
) -> np.ndarray:
    """Total match weight (log2 odds) of each pair, adjusted for value frequency (pairs in
    `similarity.orient` order; see `level_weight`)."""
    w = np.full(len(gammas), np.log2(model.lam / (1 - model.lam)))
    for k in range(len(model.comps)):
        w += level_weight(model, k, gammas[:, k], left, tf_min, right, swap)
    return w


def best_weight(
    model: Model,
    k: int,
    mask: np.ndarray,
    left: np.ndarray,
    tf_min: float = 1e-4,
    right: np.ndarray | None = None,
) -> np.ndarray:
    """The highest weight comparison `k` could add, given the levels still possible (bit
    masks from `compare.possible_levels`). Levels with a frequency adjustment are only
    possible where their value is equal, so the adjustment is known, but for the order a
    swapped pair is compared in: given `right`, the rarer of the two records' values counts,
    which no order can beat."""
    table = model.weights()[k]
    tf_levels = [lvl for kk, lvl in model.tf if kk == k]
    # Best weight for every possible mask (at most 2^7), tf levels left out: one gather.
    best_of = np.zeros(1 << len(table))
    for m in range(1, len(best_of)):
        vals = [table[lv] for lv in range(len(table)) if m >> lv & 1 and lv not in tf_levels]
        best_of[m] = max(vals) if vals else -np.inf
    wk = best_of[mask]
    for lvl in tf_levels:
        at = np.flatnonzero(mask & np.uint16(1 << lvl))
        if len(at):
            tf = model.tf[(k, lvl)]
            freq = tf[left[at]] if right is None else np.fmin(tf[left[at]], tf[right[at]])
            cand = table[lvl] + _tf_adjust(model, k, lvl, freq, tf_min)
            wk[at] = np.maximum(wk[at], cand)
    return wk


def upper_bound(
    model: Model,
    possible: np.ndarray,
    left: np.ndarray,
    tf_min: float = 1e-4,
    right: np.ndarray | None = None,
) -> np.ndarray:
    """The highest match weight each pair could reach, given the levels still possible
    (`compare.possible_levels`). A pair whose bound is below the threshold needs no fuzzy
    comparison."""
    w = np.full(len(possible), np.log2(model.lam / (1 - model.lam)))
    for k in range(len(model.comps)):
        w += best_weight(model, k, possible[:, k], left, tf_min, right)
    return w


def probability(weight: np.ndarray) -> np.ndarray:
    """Match probability from a log2-odds weight."""
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60)))
