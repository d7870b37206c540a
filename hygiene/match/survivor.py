"""Survivorship: which record of a duplicate cluster is kept, by the rules in rules/.

Rules (rules/survivorship.yaml) are tried in order; each gives every member a score, and
the first rule that separates the best member from the runner-up names the reason. Only
cluster members are read, so the cost follows the number of duplicates, not of rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hygiene import normalize as nz
from hygiene.errors import ConfigError
from hygiene.load.presets import source_kind
from hygiene.model import Source
from hygiene.resources import load_yaml, rules_dir

RULE_TYPES = (
    "source_kind",
    "well_formed",
    "most_complete",
    "most_recent",
    "oldest",
    "first_row",
)
#: Per source, per field: a code per row of the source (-1 missing) for values compared
#: as equal (the matcher's name keys). Rules that count values read these when given.
ValueCodes = dict[str, dict[str, np.ndarray]]


@dataclass(frozen=True)
class SurvivorRule:
    """One survivorship rule: its type and parameters."""

    rule: str
    fields: tuple[str, ...] = ()
    prefer: tuple[str, ...] = ()


@dataclass(frozen=True)
class Survivorship:
    """The ordered rules. A source's kind, which `source_kind` prefers by, is not theirs to
    say: it is `hygiene.load.source_kind`'s (as asked, else the platform preset's)."""

    rules: tuple[SurvivorRule, ...]


def load_survivorship(path: str | Path | None = None) -> Survivorship:
    """Read survivorship rules (rules/survivorship.yaml by default); bad rules name the file."""
    p = Path(path) if path is not None else rules_dir() / "survivorship.yaml"
    doc: Any = load_yaml(p)
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise ConfigError(f"{p}: needs a `rules:` list; see rules/survivorship.yaml")
    rules = []
    for item in doc["rules"]:
        kind = item.get("rule") if isinstance(item, dict) else None
        if kind not in RULE_TYPES:
            raise ConfigError(f"{p}: unknown survivorship rule {kind!r}; use one of {RULE_TYPES}")
        rules.append(
            SurvivorRule(kind, tuple(item.get("fields") or ()), tuple(item.get("prefer") or ()))
        )
    if "kinds" in doc:
        # Older copies of this file carried a platform -> kind table of their own.
        warnings.warn(
            f"{p}: `kinds:` is no longer read (a source's kind is its platform preset's "
            "`kind`, or `kind` under the source in hygiene.toml); delete it",
            FutureWarning,
            stacklevel=2,
        )
    return Survivorship(tuple(rules))


def _dates(source: Source, fields: tuple[str, ...], pos: np.ndarray) -> np.ndarray:
    """Seconds since the epoch of the first date each row holds among `fields` (UTC),
    NaN where none. (Kept numeric: tz-aware values as objects cost a second per 60k.)
    Read in the column's order as the loader settled it over the whole column, so the
    members' dates read the same whichever other members are read with them."""
    out = np.full(len(pos), np.nan)
    for name in fields:
        s = source.field(name)
        if s is None:
            continue
        order = source.date_orders.get(str(source.column_for(name)))
        parsed = nz.parse_dates(
            s.iloc[pos].reset_index(drop=True), order if order in ("dmy", "mdy") else None
        )
        secs = (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(np.float64)
        out = np.where(np.isnan(out), secs, out)
    return out


def _filled(source: Source, fields: tuple[str, ...], pos: np.ndarray) -> np.ndarray:
    n = np.zeros(len(pos), dtype=np.int64)
    for name in fields:
        s = source.field(name)
        if s is not None:
            n += nz.nullify(s.iloc[pos].reset_index(drop=True)).notna().to_numpy()
    return n


def value_codes(source: Source, field: str) -> np.ndarray | None:
    """A code per row of `source` for `field` (-1 missing), equal for values the matcher
    compares as equal (name keys for names, else trimmed and casefolded text)."""
    s = source.field(field)
    if s is None:
        return None
    if field in ("first_name", "last_name"):
        key = nz.name_key(s)
    else:
        key = nz.nullify(s).astype("string").str.casefold()
    codes, _ = pd.factorize(key.reset_index(drop=True), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def _seen_elsewhere(
    codes: np.ndarray, pos: np.ndarray, cluster: np.ndarray
) -> np.ndarray:
    """Per member (rows `pos` of one source, in clusters `cluster`): its value is held by
    some row of the source outside the member's own cluster. A one-off typo is not; a name
    other people (or other records) also carry is."""
    code = codes[pos]
    present = code >= 0
    # At least one bin: a column with no value at all (every code -1) still indexes.
    counts = np.bincount(codes[codes >= 0], minlength=max(int(codes.max(initial=-1)) + 1, 1))
    key = pd.MultiIndex.from_arrays([cluster, code])
    in_cluster = pd.Series(1, index=key).groupby(level=[0, 1]).transform("size").to_numpy()
    total = np.where(present, counts[np.maximum(code, 0)], 0)
    return present & (total > in_cluster)


def _scores(
    rule: SurvivorRule,
    members: pd.DataFrame,
    sources: dict[str, Source],
    kind_of: Mapping[str, str],
    codes: ValueCodes | None = None,
) -> tuple[np.ndarray, Callable[[np.ndarray], list[str]]]:
    """Score per member (higher wins) and the words for members `idx` winning on this rule
    (asked for winners only: a cluster has one, and wording 60k members cost a second)."""
    n = len(members)
    score = np.zeros(n, dtype=np.float64)
    kinds = np.full(n, "", dtype=object)
    filled = np.zeros(n, dtype=np.int64)
    days = np.full(n, np.nan)
    seen: dict[str, np.ndarray] = {f: np.zeros(n, dtype=bool) for f in rule.fields}
    for name, idx in members.groupby("source", sort=False).indices.items():
        src = sources[str(name)]
        pos = members["pos"].to_numpy()[idx]
        if rule.rule == "well_formed":
            for fld in rule.fields:
                given = (codes or {}).get(str(name), {}).get(fld)
                c = given if given is not None else value_codes(src, fld)
                if c is not None:
                    seen[fld][idx] = _seen_elsewhere(
                        c, pos, members["cluster"].to_numpy()[idx]
                    )
            score[idx] = sum(seen[fld][idx].astype(np.int64) for fld in rule.fields)
        elif rule.rule == "source_kind":
            kind = kind_of[str(name)]
            rank = rule.prefer.index(kind) if kind in rule.prefer else len(rule.prefer)
            score[idx] = -rank
            kinds[idx] = f"{kind.upper()} record preferred ({src.platform})"
        elif rule.rule == "most_complete":
            filled[idx] = _filled(src, rule.fields, pos)
            score[idx] = filled[idx]
        elif rule.rule in ("most_recent", "oldest"):
            val = _dates(src, rule.fields, pos)
            sign = 1.0 if rule.rule == "most_recent" else -1.0
            score[idx] = np.where(np.isnan(val), -np.inf, sign * val)
            days[idx] = val
        else:  # first_row: earliest source given, then earliest row
            order = list(sources).index(str(name))
            score[idx] = -(order * 1e12 + pos)

    def words(idx: np.ndarray) -> list[str]:
        if rule.rule == "well_formed":
            names = [fld.replace("_", " ") for fld in rule.fields]
            return [
                "well-formed values (seen elsewhere in the source: "
                + (", ".join(w for w, fld in zip(names, rule.fields, strict=True) if seen[fld][i])
                   or "none")
                + ")"
                for i in idx.tolist()
            ]
        if rule.rule == "source_kind":
            return [str(k) for k in kinds[idx]]
        if rule.rule == "most_complete":
            return [f"most complete ({k} of {len(rule.fields)} fields)" for k in filled[idx]]
        if rule.rule in ("most_recent", "oldest"):
            label = "most recent activity" if rule.rule == "most_recent" else "oldest record"
            d = days[idx]
            # Whole seconds since the epoch, floored as a UTC datetime would be.
            day = np.floor(np.nan_to_num(d)).astype("datetime64[s]").astype("datetime64[D]")
            text = np.datetime_as_string(day, unit="D").tolist()
            missing = np.isnan(d).tolist()
            return [label if m else f"{label} ({t})" for m, t in zip(missing, text, strict=True)]
        return ["first in file (all else equal)"] * len(idx)

    return score, words


def choose_survivors(
    members: pd.DataFrame,
    sources: Sequence[Source],
    surv: Survivorship,
    codes: ValueCodes | None = None,
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Survivor of each cluster: `members` has cluster, source, pos; returns one row per
    cluster with cluster, source, pos, reason (the deciding rule's words) and rule (its
    type, as in rules/survivorship.yaml). `codes` gives the value codes rules that count
    values use (the matcher's name keys); without, they are computed from the sources.
    `kinds` gives source kinds as asked (source name -> kind); the rest are worked out by
    `hygiene.load.source_kind`, the one place a kind is."""
    if members.empty:
        return pd.DataFrame({"cluster": [], "source": [], "pos": [], "reason": [], "rule": []})
    by_name = {s.name: s for s in sources}
    asked = kinds or {}
    kind_of = {s.name: source_kind(s.platform, asked.get(s.name)) for s in sources}
    members = members.reset_index(drop=True)
    scores, words = [], []
    rules = (*surv.rules, SurvivorRule("first_row"))
    for rule in rules:
        s, w = _scores(rule, members, by_name, kind_of, codes)
        scores.append(s)
        words.append(w)
    cluster = members["cluster"].to_numpy()
    # Best first: lexsort's last key is primary, so cluster last and scores negated.
    order = np.lexsort([*(-s for s in reversed(scores)), cluster])
    c_sorted = cluster[order]
    first = np.flatnonzero(np.r_[True, c_sorted[1:] != c_sorted[:-1]])
    best = order[first]
    second_pos = first + 1
    has_second = (second_pos < len(order)) & (
        c_sorted[np.minimum(second_pos, len(order) - 1)] == c_sorted[first]
    )
    second = order[np.minimum(second_pos, len(order) - 1)]
    # The reason is the first rule that tells the winner from the runner-up (the last rule,
    # first in file, when none does or the cluster has one member).
    differs = np.stack([sc[best] != sc[second] for sc in scores]) & has_second
    decided = np.where(differs.any(axis=0), differs.argmax(axis=0), len(scores) - 1)
    reasons = np.empty(len(best), dtype=object)
    for k, w in enumerate(words):
        at = np.flatnonzero(decided == k)
        if len(at):
            reasons[at] = w(best[at])
    return pd.DataFrame(
        {
            "cluster": cluster[best],
            "source": members["source"].to_numpy()[best],
            "pos": members["pos"].to_numpy()[best],
            "reason": reasons.tolist(),
            "rule": np.asarray([r.rule for r in rules], dtype=object)[decided].tolist(),
        }
    )
