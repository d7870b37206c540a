"""What matching takes and gives: its settings, the scored pairs, clusters and the result.

A leaf of the matcher: the phases (`api`), the grouping into clusters (`grouping`) and the
links (`linking`) all read these types, and none of them is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .blocking import DEFAULT_RULES
from .compare import COMPARISONS, Comparison
from .features import Features


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


