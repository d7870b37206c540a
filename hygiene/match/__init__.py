"""Duplicate matching: blocking, comparisons, Fellegi-Sunter scoring, clusters, survivors.

`find_duplicates` finds the same person within a source (clusters, reported in audit.json
`duplicates`) and across sources (links, used by the link checks).
"""

from __future__ import annotations

from .api import find_duplicates, score_frames
from .frame import prepare
from .records import clusters_to_records
from .types import Cluster, MatchResult, MatchSettings

__all__ = [
    "Cluster",
    "MatchResult",
    "MatchSettings",
    "clusters_to_records",
    "find_duplicates",
    "prepare",
    "score_frames",
]
